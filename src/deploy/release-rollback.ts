import type { DeploymentSummary } from '../domain/deployment.js';
import type { ReleaseSettings, Target } from '../domain/target.js';
import type { DeployedCommit } from './deployed-commit.js';
import type { LiveLog } from './live-log.js';

/**
 * The Nest token release mode provides its ReleaseRollback under, in DeployModule's
 * providers: `{ provide: RELEASE_ROLLBACK, useClass: <its class> }`. Optional: without it a
 * rollback of a release mode target fails with a clear error (see RollbackRunner).
 */
export const RELEASE_ROLLBACK = Symbol('ReleaseRollback');

/** The deadline and the log of the rollback deployment. */
export interface RollbackControl {
  signal: AbortSignal;
  log: LiveLog;
}

/**
 * How a rollback runs in release mode (`target.release` set): `current` switched back to
 * the release of `deployment.rollbackOf` (its directory was checked to exist when the
 * rollback was requested) and `activate` run, with no build. Resolves with where the
 * target was (`headBefore`: the commit `current` served) and is (`headAfter`, also
 * `requestedSha`: the commit of that release); throws a DeployFailure (its message
 * becomes the deployment's `error`) otherwise. The runner records the outcome.
 */
export interface ReleaseRollback {
  run(
    target: Target & { release: ReleaseSettings },
    deployment: DeploymentSummary,
    control: RollbackControl,
  ): Promise<DeployedCommit>;
}
