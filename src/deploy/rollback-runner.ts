import type { DeploymentSummary } from '../domain/deployment.js';
import { deployMode, type Target } from '../domain/target.js';
import type { GitServices } from '../git/git-services.js';
import type { Stores } from '../storage/stores.js';
import { trackActivity } from './activity-tracker.js';
import { runDeployCommand } from './deploy-command.js';
import { DeployFailure, errorMessage } from './deploy-failure.js';
import type { DeployedCommit } from './deployed-commit.js';
import { InPlaceRollback } from './in-place-rollback.js';
import type { LiveLog } from './live-log.js';

/** The deadline and the log of the rollback deployment. */
export interface RollbackControl {
  signal: AbortSignal;
  log: LiveLog;
}

/**
 * Runs a deployment with trigger `rollback` in place: the work tree back to the commit
 * (in-place-rollback.ts), then the deploy command, as a deploy would run it. Throws a
 * DeployFailure when it fails; the runner records the outcome. Release mode runs its
 * rollbacks itself (it switches `current`), before the runner's in-place path is reached.
 */
export class RollbackRunner {
  constructor(
    private readonly gits: GitServices,
    private readonly store: Pick<Stores, 'deployments' | 'activity'>,
  ) {}

  async run(target: Target, deployment: DeploymentSummary, control: RollbackControl): Promise<DeployedCommit> {
    // Never reset the clone a release mode target fetches into: its releases are what serve.
    if (deployMode(target) === 'release') {
      throw new DeployFailure('a release mode rollback switches current (ReleaseDeploy), it never resets the clone');
    }
    const { signal, log } = control;
    const policy = { deployBranch: target.branch, pullStrategy: target.strategy };
    const commit = await new InPlaceRollback(this.gits.for(target.repoPath), this.store, policy).run(deployment, {
      signal,
      output: log.append,
    });
    if (target.command !== undefined) {
      const onSpawn = trackActivity(this.store.activity, deployment.id, 'command');
      const { command, repoPath: cwd } = target;
      await runDeployCommand({ command, cwd, deployment, commit, signal, log, onSpawn }).catch((error: unknown) => {
        throw new DeployFailure(errorMessage(error), commit.headBefore);
      });
    }
    return commit;
  }
}
