import { cp, lstat, mkdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { ReleaseLayout } from './release-layout.js';

/**
 * Links every shared entry into the release: `<release>/<name>` becomes a symlink to
 * `<path>/shared/<name>`, replacing what the commit has there. Returns a line per step
 * for the deployment's log.
 *
 * A shared entry that does not exist yet is made once: from the commit's own copy when
 * it has one (a `storage/` skeleton seeds the shared one), else empty, a file when its
 * last segment has a dot (`.env`, `config/app.yml`), a directory otherwise (`storage`).
 */
export async function linkShared(
  layout: ReleaseLayout,
  releaseDir: string,
  shared: readonly string[],
): Promise<string[]> {
  const done: string[] = [];
  for (const name of shared) {
    const source = join(layout.shared, name);
    const inRelease = join(releaseDir, name);
    await refuseEscape(releaseDir, dirname(inRelease), name);
    if (!(await exists(source))) {
      await mkdir(dirname(source), { recursive: true });
      if (await exists(inRelease)) {
        await cp(inRelease, source, { recursive: true, verbatimSymlinks: true });
        done.push(`created shared ${name} from the commit's copy`);
      } else if (basename(name).includes('.')) {
        await writeFile(source, '', { flag: 'wx' });
        done.push(`created shared ${name} (an empty file)`);
      } else {
        await mkdir(source);
        done.push(`created shared ${name} (an empty directory)`);
      }
    }
    await rm(inRelease, { recursive: true, force: true });
    await mkdir(dirname(inRelease), { recursive: true });
    await symlink(source, inRelease);
    done.push(`linked ${name} -> ${source}`);
  }
  return done;
}

/** A commit could hold `config -> /etc`: a shared `config/app.yml` must not be written through it. */
async function refuseEscape(releaseDir: string, parent: string, name: string): Promise<void> {
  let existing = parent;
  while (!(await exists(existing))) existing = dirname(existing);
  const [root, real] = await Promise.all([realpath(releaseDir), realpath(existing)]);
  const inside = relative(root, real);
  if (inside === '..' || inside.startsWith(`..${sep}`)) {
    throw new Error(`the shared entry ${name} would lie outside the release (a symlink in the commit leads out)`);
  }
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}
