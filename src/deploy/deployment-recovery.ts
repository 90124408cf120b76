import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ReleaseSettings, Target } from '../domain/target.js';
import { GitServices } from '../git/git-services.js';
import type { GitService } from '../git/git.service.js';
import { deploymentFields } from '../domain/log-fields.js';
import { endLeftoverGroup } from '../process/process-identity.js';
import { INTERRUPTED, type DeploymentSummary } from '../domain/deployment.js';
import { DeploymentEvents } from '../events/deployment-events.js';
import { ActivityStore } from '../storage/activity.store.js';
import { DeliveriesStore } from '../storage/deliveries.store.js';
import { DeploymentLogsStore } from '../storage/deployment-logs.store.js';
import { DeploymentsStore, type NewDeployment } from '../storage/deployments.store.js';
import { Transactions } from '../storage/transactions.js';
import { ReleaseStepsStore } from '../storage/release-steps.store.js';
import { RELEASE_STEP_NAMES, settleReleaseStep } from './release-recovery.js';

/** How long the boot waits for git to say whether a commit is deployed. */
const RECOVERY_QUERY_TIMEOUT_MS = 60_000;

/**
 * At boot, settles what a process that died mid-deploy (SIGKILL, OOM, power loss) left
 * behind: the running deployment is marked failed ("interrupted"), anything it left
 * running is ended, and the newest accepted push that no succeeded deployment contains
 * is deployed again by a `recovery` deployment. A queued deployment simply resumes.
 */
@Injectable()
export class DeploymentRecovery {
  constructor(
    @Inject(DeploymentsStore) private readonly deployments: DeploymentsStore,
    @Inject(DeliveriesStore) private readonly deliveries: DeliveriesStore,
    @Inject(DeploymentLogsStore) private readonly logs: DeploymentLogsStore,
    @Inject(ActivityStore) private readonly activity: ActivityStore,
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(GitServices) private readonly gits: GitServices,
    @Inject(DeploymentEvents) private readonly events: DeploymentEvents,
    @Inject(ReleaseStepsStore) private readonly steps: ReleaseStepsStore,
  ) {}

  /** Each target's history is its own: a crash is settled target by target, at boot or when a reload adds one. */
  recover(target: Target): Promise<void> {
    return new TargetRecovery(
      target.id,
      `refs/heads/${target.branch}`,
      this.gits.for(target.repoPath),
      this.deployments,
      this.deliveries,
      this.logs,
      this.activity,
      this.transactions,
      this.events,
      target.release && { settings: target.release, steps: this.steps, timeoutMs: target.timeoutMs },
    ).recover();
  }
}

/** The recovery of one target's work tree and history. */
class TargetRecovery {
  private readonly logger = new Logger('Recovery');

  constructor(
    private readonly target: string,
    private readonly branchRef: string,
    private readonly git: GitService,
    private readonly deployments: DeploymentsStore,
    private readonly deliveries: DeliveriesStore,
    private readonly logs: DeploymentLogsStore,
    private readonly activity: ActivityStore,
    private readonly transactions: Transactions,
    private readonly events: DeploymentEvents,
    /** Release mode: what a crash in a release step needs (release-recovery.ts). */
    private readonly release: { settings: ReleaseSettings; steps: ReleaseStepsStore; timeoutMs: number } | undefined,
  ) {}

  async recover(): Promise<void> {
    const interrupted = this.deployments.running(this.target);
    const queued = this.deployments.nextQueued(this.target);
    if (queued) {
      this.logger.log({
        msg: `deployment ${queued.id} was queued before the restart: resuming it`,
        ...deploymentFields(queued),
      });
    }
    if (interrupted.length === 0) return;

    // First what the dead process left running and half done. Nothing is recorded yet: a
    // crash from here on leaves the deployments `running`, and the next boot does it again.
    const notes = new Map<number, string[]>();
    const steps = new Map<number, string>();
    for (const deployment of interrupted) {
      const { step, done } = await this.endLeftovers(deployment);
      steps.set(deployment.id, step);
      notes.set(deployment.id, [`${INTERRUPTED}: hookdeploy stopped while ${step} was running`, ...done]);
    }
    const newest = interrupted.at(-1)!;
    const recovery = queued ? undefined : await this.recoveryFor(newest, notes.get(newest.id)!);

    // Then, in one transaction, the interrupted ones failed and the recovery queued: the
    // accepted push is never left with neither.
    const failed: DeploymentSummary[] = [];
    const created = this.transactions.atomically(() => {
      for (const deployment of interrupted) {
        const note = notes
          .get(deployment.id)!
          .map((line) => `hookdeploy: ${line}\n`)
          .join('');
        this.logs.save(deployment.id, `${this.logs.get(deployment.id) ?? ''}\n${note}`);
        this.activity.set(deployment.id, null);
        failed.push(
          this.deployments.update(deployment.id, {
            status: 'failed',
            error: INTERRUPTED,
            finishedAt: new Date().toISOString(),
          }),
        );
      }
      return recovery && this.deployments.create(this.target, recovery);
    });
    for (const deployment of failed) this.events.finished(deployment);
    for (const deployment of interrupted) {
      const done = notes.get(deployment.id)!.slice(1).join('; ') || 'nothing left running';
      this.logger.warn({
        msg: `deployment ${deployment.id} was interrupted during ${steps.get(deployment.id)}: marked failed (${done})`,
        ...deploymentFields(deployment),
      });
    }
    if (created) {
      this.logger.warn({
        msg:
          `deployment ${created.id} queued to deploy ${created.requestedSha?.slice(0, 7) ?? 'the branch tip'} again ` +
          `after interrupted deployment ${newest.id}`,
        ...deploymentFields(created),
      });
    }
  }

  /** The recovery deployment to queue after `newest` was interrupted, if any; says why not in `notes`. */
  private async recoveryFor(newest: DeploymentSummary, notes: string[]): Promise<NewDeployment | undefined> {
    if (newest.trigger === 'rollback') {
      // Redeploying the branch would undo what the operator asked for.
      notes.push('not redeployed automatically: it was a rollback; roll back again');
      return undefined;
    }
    if (newest.trigger === 'recovery') {
      // A deploy that kills hookdeploy (an out-of-memory build) would otherwise crash it
      // again at every restart, for ever.
      notes.push('not redeployed automatically: it was itself a recovery; fix the cause, then deploy again');
      return undefined;
    }
    const newestPush = this.deliveries.newestAcceptedPush(this.target);
    // A manual deployment has no delivery; when it is the newest, it wanted the branch tip.
    const requestedSha = newestPush && newestPush.deploymentId >= newest.id ? newestPush.sha : newest.requestedSha;
    if (requestedSha !== null && (await this.deployed(requestedSha))) {
      notes.push(`${requestedSha.slice(0, 7)} is already deployed: nothing to redo`);
      return undefined;
    }
    return { trigger: 'recovery', ref: this.branchRef, requestedSha };
  }

  /** Ends what `deployment` left running and, after a git step, what git left half done. */
  private async endLeftovers(deployment: DeploymentSummary): Promise<{ step: string; done: string[] }> {
    const activity = this.activity.get(deployment.id);
    const step = {
      command: 'the deploy command',
      fetch: 'the git fetch',
      git: 'the git update',
      ...RELEASE_STEP_NAMES,
    }[activity?.phase ?? 'git'];
    const notes: string[] = [];
    // Left alone, it would go on changing the work tree under the next deployment.
    if (activity?.processGroup != null && (await endLeftoverGroup(activity.processGroup, activity.processStarted))) {
      notes.push(`killed process group ${activity.processGroup}, which was still running`);
    }
    // The work tree only once git had started moving it: before that the clean-tree check
    // may not have passed, and the tracked files may hold the operator's own edits. A fetch
    // leaves at most lock files.
    if (activity?.phase === 'git' || activity?.phase === 'fetch') {
      const cleared = await this.git
        .clearInterruptedUpdate({ locks: true, workTree: activity.phase === 'git' })
        .catch((error: Error) => [`could not clean up: ${error.message}`]);
      notes.push(...cleared);
    }
    const phase = activity?.phase;
    if (this.release && phase !== undefined && phase in RELEASE_STEP_NAMES) {
      const { settings, steps, timeoutMs } = this.release;
      const settled = await settleReleaseStep(
        settings,
        deployment,
        phase as keyof typeof RELEASE_STEP_NAMES,
        { steps, activity: this.activity },
        timeoutMs,
      ).catch((error: Error) => [`could not settle the release: ${error.message}`]);
      notes.push(...settled);
    }
    return { step, done: notes };
  }

  /**
   * Whether `sha` is deployed: the work tree is still where the newest succeeded
   * deployment left it, and that contains `sha`. (After a rollback by force-push the
   * work tree moved away from it, and an older commit still needs its deploy command.)
   */
  private async deployed(sha: string): Promise<boolean> {
    const last = this.deployments.lastSucceeded(this.target);
    if (!last?.headAfter) return false;
    const head = await this.git.head().catch(() => undefined);
    if (head !== last.headAfter) return false;
    return this.git.containsAll(head, [sha], AbortSignal.timeout(RECOVERY_QUERY_TIMEOUT_MS));
  }
}
