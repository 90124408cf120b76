import { readdir, rm } from 'node:fs/promises';
import type { DeploymentStatus } from '../domain/deployment.js';
import { releaseDeploymentId, type ReleaseLayout } from './release-layout.js';

export interface PruneRule {
  /** Successful releases kept, the newest first. */
  keep: number;
  /** Never removed, whatever their state: `current` and the release before it. */
  protect: ReadonlySet<string>;
  /** The state of the deployments that built the releases; absent: its record was pruned (it once succeeded or not: kept like a success). */
  statusOf: (deploymentIds: number[]) => Map<number, DeploymentStatus>;
}

/**
 * Removes the releases beyond the `keep` newest successful ones, and every failed or
 * unfinished release (a failed build, a release rolled back), except the protected ones.
 * Only directories named `<id>-<sha7>` are touched. Returns the names removed.
 */
export async function pruneReleases(layout: ReleaseLayout, rule: PruneRule): Promise<string[]> {
  const names = (await readdir(layout.releases, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory() && releaseDeploymentId(entry.name) !== undefined)
    .map((entry) => entry.name)
    .sort((a, b) => releaseDeploymentId(b)! - releaseDeploymentId(a)!);
  const statuses = rule.statusOf(names.map((name) => releaseDeploymentId(name)!));
  let successful = 0;
  const removed: string[] = [];
  for (const name of names) {
    const status = statuses.get(releaseDeploymentId(name)!) ?? 'succeeded';
    const kept = status === 'succeeded' && ++successful <= rule.keep;
    if (kept || rule.protect.has(name)) continue;
    await rm(layout.release(name), { recursive: true, force: true });
    await rm(layout.indexFile(name), { force: true });
    removed.push(name);
  }
  return removed;
}
