import type { GitService } from '../git/git.service.js';
import type { DeploymentSummary } from '../domain/deployment.js';
import type { Stores } from '../storage/stores.js';
import { trackActivity } from './activity-tracker.js';
import { DeployFailure, errorMessage, failedBeforeMoving } from './deploy-failure.js';
import type { DeployedCommit } from './deployed-commit.js';
import type { StepControl } from './work-tree-update.js';
import { checkWorkTree, type WorkTreePolicy } from './work-tree-policy.js';

/**
 * The git half of a rollback in place: the work tree, checked as for any deployment
 * (work-tree-policy.ts: local edits refused but for `reset`), moved back to the commit a
 * succeeded deployment left (`requestedSha`) with `git reset --hard` on the deployed
 * branch. Nothing is fetched when the commit is still in the repository (it normally is:
 * it was deployed here). The next push after a resume fetches and integrates from there
 * as usual: the older commit is an ancestor of the branch, so every strategy fast-forwards.
 */
export class InPlaceRollback {
  constructor(
    private readonly git: GitService,
    private readonly store: Pick<Stores, 'deployments' | 'activity'>,
    private readonly policy: WorkTreePolicy,
  ) {}

  async run(deployment: DeploymentSummary, control: StepControl): Promise<DeployedCommit> {
    const sha = deployment.requestedSha;
    if (sha === null) throw new DeployFailure('the rollback names no commit to return to');
    const headBefore = checkWorkTree(await this.git.state(control.signal).catch(failedBeforeMoving), this.policy);
    this.store.deployments.set(deployment.id, { headBefore });
    const of = deployment.rollbackOf === undefined ? '' : ` (what deployment ${deployment.rollbackOf} deployed)`;
    control.output(`hookdeploy: rolling back from ${headBefore.slice(0, 7)} to ${sha.slice(0, 7)}${of}\n`);
    try {
      if (!(await this.git.hasCommit(sha, control.signal))) {
        control.output(
          `hookdeploy: ${sha.slice(0, 7)} is not in the repository: fetching ${this.policy.deployBranch}\n`,
        );
        const onSpawn = trackActivity(this.store.activity, deployment.id, 'fetch');
        await this.git.fetch(this.policy.deployBranch, { ...control, onSpawn });
        if (!(await this.git.hasCommit(sha, control.signal))) {
          throw new Error(`commit ${sha} is no longer in the repository, nor on origin's ${this.policy.deployBranch}`);
        }
      }
      await this.git.resetTo(sha, { ...control, onSpawn: trackActivity(this.store.activity, deployment.id, 'git') });
      const onSpawn = trackActivity(this.store.activity, deployment.id, 'git');
      await this.git.updateSubmodules(this.policy.pullStrategy, { ...control, onSpawn });
      const headAfter = await this.git.head();
      if (headAfter !== sha) throw new Error(`HEAD is ${headAfter} after the reset, not ${sha}`);
      return { headBefore, headAfter, requestedSha: sha };
    } catch (error) {
      throw new DeployFailure(errorMessage(error), headBefore);
    }
  }
}
