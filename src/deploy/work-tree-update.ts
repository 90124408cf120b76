import type { UpdateControl } from '../git/git-commands.js';
import type { GitService } from '../git/git.service.js';
import { trackActivity } from './activity-tracker.js';
import { DeployFailure, errorMessage, failedBeforeMoving } from './deploy-failure.js';
import type { DeployedCommit } from './deployed-commit.js';
import type { DeploymentSummary } from '../domain/deployment.js';
import type { Stores } from '../storage/stores.js';
import { checkWorkTree, type WorkTreePolicy } from './work-tree-policy.js';

/** The deadline and the log of the deployment: the caller's; the process groups are recorded here. */
export type StepControl = Pick<UpdateControl, 'signal' | 'output'>;

/**
 * The git half of a deployment: checks the work tree (work-tree-policy.ts), moves it to
 * the requested commit, checks it got there, then its submodules and git's housekeeping.
 * Every process it starts is recorded as the deployment's activity, for the recovery.
 */
export class WorkTreeUpdate {
  constructor(
    private readonly git: GitService,
    private readonly store: Pick<Stores, 'deployments' | 'deliveries' | 'activity'>,
    private readonly policy: WorkTreePolicy,
  ) {}

  /**
   * Returns where HEAD was and is, and the commit the deployment had to reach (for a
   * manual one, the fetched tip). `afterAnother`: it waited while another deployment ran.
   */
  async run(deployment: DeploymentSummary, control: StepControl, afterAnother: boolean): Promise<DeployedCommit> {
    const moved = await this.moveWorkTree(deployment, control, afterAnother);
    await this.updateSubmodules(deployment.id, control, moved.headBefore);
    await this.maintain(deployment, control);
    return moved;
  }

  private async moveWorkTree(
    deployment: DeploymentSummary,
    control: StepControl,
    afterAnother: boolean,
  ): Promise<DeployedCommit> {
    const { requestedSha } = deployment;
    if (!afterAnother || requestedSha === null) return this.fetchWhileChecking(deployment, control);
    // It waited behind another deployment, whose fetch of the branch tip may well have
    // brought every commit its deliveries pushed (a burst): then there is nothing to fetch.
    const headBefore = checkWorkTree(await this.git.state(control.signal).catch(failedBeforeMoving), this.policy);
    this.store.deployments.set(deployment.id, { headBefore });
    const pushed = this.store.deliveries.requestedCommits(deployment.id);
    if (pushed.length > 0 && (await this.git.containsAll(headBefore, pushed, control.signal))) {
      control.output(
        `hookdeploy: HEAD ${headBefore.slice(0, 7)} already contains every pushed commit: nothing to fetch\n`,
      );
      return { headBefore, headAfter: headBefore, requestedSha };
    }
    const fetched = this.git.fetch(this.policy.deployBranch, {
      ...control,
      onSpawn: trackActivity(this.store.activity, deployment.id, 'fetch'),
    });
    return this.moveAndVerify(deployment, control, headBefore, fetched);
  }

  /** The fetch runs while the work tree is checked: it touches neither HEAD nor the work tree. */
  private async fetchWhileChecking(deployment: DeploymentSummary, control: StepControl): Promise<DeployedCommit> {
    const stopFetch = new AbortController();
    const fetched = this.git.fetch(this.policy.deployBranch, {
      ...control,
      signal: AbortSignal.any([control.signal, stopFetch.signal]),
      onSpawn: trackActivity(this.store.activity, deployment.id, 'fetch'),
    });
    let headBefore: string;
    try {
      headBefore = checkWorkTree(await this.git.state(control.signal).catch(failedBeforeMoving), this.policy);
    } catch (error) {
      // Nothing may move this work tree: the fetch is not needed any more.
      stopFetch.abort();
      await fetched.catch(() => undefined);
      throw error;
    }
    this.store.deployments.set(deployment.id, { headBefore });
    return this.moveAndVerify(deployment, control, headBefore, fetched);
  }

  private async moveAndVerify(
    deployment: DeploymentSummary,
    control: StepControl,
    headBefore: string,
    fetched: Promise<void>,
  ): Promise<DeployedCommit> {
    const branch = this.policy.deployBranch;
    try {
      await fetched;
      const onSpawn = trackActivity(this.store.activity, deployment.id, 'git');
      await this.git.integrate(this.policy.pullStrategy, branch, { ...control, onSpawn });
      let requestedSha = deployment.requestedSha;
      if (requestedSha === null) {
        requestedSha = await this.git.fetchedTip(control.signal);
        this.store.deployments.set(deployment.id, { requestedSha });
      }
      // HEAD is the branch (checked above, and the update keeps it so). Usually it is the
      // pushed commit itself, which its ref file tells without starting a process.
      const tip = await this.git.branchTip(branch);
      const headAfter =
        tip === requestedSha ? tip : await this.git.branchTipContaining(branch, requestedSha, control.signal);
      if (headAfter === undefined) throw new Error(`HEAD does not contain the requested commit ${requestedSha}`);
      return { headBefore, headAfter, requestedSha };
    } catch (error) {
      throw new DeployFailure(errorMessage(error), headBefore);
    }
  }

  /** Submodules to the commits HEAD records; also when nothing was fetched (a failed update before). */
  private async updateSubmodules(deploymentId: number, control: StepControl, headBefore: string): Promise<void> {
    try {
      const onSpawn = trackActivity(this.store.activity, deploymentId, 'git');
      await this.git.updateSubmodules(this.policy.pullStrategy, { ...control, onSpawn });
    } catch (error) {
      throw new DeployFailure(errorMessage(error), headBefore);
    }
  }

  /**
   * git's housekeeping, deferred from the fetch and merge; its failure fails no
   * deployment. Skipped while another deployment waits: that one does it, so a burst of
   * pushes pays for it once.
   */
  private async maintain({ id: deploymentId, target }: DeploymentSummary, control: StepControl): Promise<void> {
    if (this.store.deployments.nextQueuedId(target) !== undefined) return;
    try {
      await this.git.maintain({ ...control, onSpawn: trackActivity(this.store.activity, deploymentId, 'git') });
    } catch (error) {
      control.output(`hookdeploy: git maintenance failed (the deployment stands): ${errorMessage(error)}\n`);
    }
  }
}
