import { open, readdir, readlink, rename, rm, symlink } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { releaseDeploymentId, type ReleaseLayout } from './release-layout.js';

/** The release `current` points at; null when there is no `current` yet. Throws when it is not one of ours. */
export async function readCurrent(layout: ReleaseLayout): Promise<string | null> {
  let target: string;
  try {
    target = await readlink(layout.current);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    if ((error as NodeJS.ErrnoException).code === 'EINVAL') {
      throw new Error(`${layout.current} is not a symbolic link: move it away, hookdeploy manages it`, {
        cause: error,
      });
    }
    throw error;
  }
  const name = basename(target);
  if (releaseDeploymentId(name) === undefined || basename(dirname(target)) !== 'releases') {
    throw new Error(`${layout.current} points at ${target}, not at a release under ${layout.releases}`);
  }
  return name;
}

/**
 * Points `current` at the release `name` in one step: a new symlink beside it, renamed
 * over it. rename() replaces the old link atomically, so a reader (the web server
 * resolving a path) finds either the old release or the new one, never no `current` or
 * a half-written one. The directory is then synced, so the switch survives a power cut.
 */
export async function switchCurrent(layout: ReleaseLayout, name: string, deploymentId: number): Promise<void> {
  const next = layout.nextCurrent(deploymentId);
  await rm(next, { force: true });
  await symlink(layout.linkTo(name), next);
  try {
    await rename(next, layout.current);
  } catch (error) {
    await rm(next, { force: true });
    throw error;
  }
  await syncDirectory(layout.path);
}

/** The `current.tmp-<id>` links a killed switch left behind; returns their names. */
export async function removeStaleLinks(layout: ReleaseLayout): Promise<string[]> {
  const names = await readdir(layout.path).catch(() => [] as string[]);
  const stale = names.filter((name) => /^current\.tmp-\d+$/.test(name));
  for (const name of stale) await rm(`${layout.path}/${name}`, { force: true });
  return stale;
}

async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
