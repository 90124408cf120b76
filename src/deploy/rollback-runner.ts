import type { DeploymentSummary } from '../domain/deployment.js';
import { deployMode, type Target } from '../domain/target.js';
import type { GitServices } from '../git/git-services.js';
import type { Stores } from '../storage/stores.js';
import { trackActivity } from './activity-tracker.js';
import { runDeployCommand } from './deploy-command.js';
import { DeployFailure, errorMessage } from './deploy-failure.js';
import type { DeployedCommit } from './deployed-commit.js';
import { InPlaceRollback } from './in-place-rollback.js';
import type { ReleaseRollback, RollbackControl } from './release-rollback.js';

/**
 * Runs a deployment with trigger `rollback`, by the target's mode. In place: the work
 * tree back to the commit (in-place-rollback.ts), then the deploy command, as a deploy
 * would run it. Release mode: release mode's ReleaseRollback (release-rollback.ts).
 * Throws a DeployFailure when it fails; the runner records the outcome.
 */
export class RollbackRunner {
  constructor(
    private readonly gits: GitServices,
    private readonly store: Pick<Stores, 'deployments' | 'activity'>,
    private readonly releases: ReleaseRollback | undefined,
  ) {}

  async run(target: Target, deployment: DeploymentSummary, control: RollbackControl): Promise<DeployedCommit> {
    if (target.release !== undefined && deployMode(target) === 'release') {
      if (this.releases === undefined) {
        throw new DeployFailure('a rollback in release mode is not supported by this build of hookdeploy');
      }
      return this.releases.run({ ...target, release: target.release }, deployment, control);
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
