import type { DeploymentSummary } from '../domain/deployment.js';
import type { Target } from '../domain/target.js';
import { ReleaseLayout } from '../releases/release-layout.js';

/** A deployment a rollback can return to: it succeeded and says where it left the work tree. */
export type RollbackSource = DeploymentSummary & { headAfter: string };

/** Where a release mode deployment's release lives: `<release.path>/releases/<name>`. */
export function releaseDirectory(target: Target, release: string): string | undefined {
  return target.release === undefined ? undefined : new ReleaseLayout(target.release.path).release(release);
}

/**
 * Why `source` cannot be rolled back to (the caller answers 409), or undefined when it
 * can. `target`: its target as configured now (undefined once a reload removed it);
 * `release`: the release directory it made (release mode), and whether that still exists.
 */
export function rollbackRefusal(
  source: DeploymentSummary,
  target: Target | undefined,
  release: { name: string | null; exists: boolean },
): string | undefined {
  const what = `deployment ${source.id}`;
  if (target === undefined) return `${what} belongs to target "${source.target}", which is no longer configured`;
  // Its agents deploy pushes only: a job names a commit of the branch, never a rollback.
  if (target.fleet !== undefined) return `target "${target.id}" is a fleet (hosts): rollback is not available for it`;
  if (source.status !== 'succeeded') {
    return `${what} ${source.status === 'failed' ? 'failed' : `is ${source.status}`}: only a succeeded deployment can be rolled back to`;
  }
  if (source.headAfter === null) return `${what} recorded no commit to return to`;
  if (target.release !== undefined) {
    if (release.name === null) return `${what} made no release to return to (it did not run in release mode)`;
    if (!release.exists)
      return `the release ${release.name} of ${what} no longer exists (pruned): it cannot be rolled back to`;
  }
  return undefined;
}

export function isRollbackSource(source: DeploymentSummary): source is RollbackSource {
  return source.status === 'succeeded' && source.headAfter !== null;
}
