import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { GitService } from '../git/git.service.js';
import { endLeftoverGroup } from '../process/process-identity.js';
import type { DeploymentSummary } from './deployment.js';
import { DeploymentStore } from './deployment.store.js';

/** The error of a deployment that was running when hookdeploy died. */
export const INTERRUPTED = 'interrupted';

/**
 * At boot, settles what a process that died mid-deploy (SIGKILL, OOM, power loss) left
 * behind: the running deployment is marked failed ("interrupted"), anything it left
 * running is ended, and the newest accepted push that no succeeded deployment contains
 * is deployed again by a `recovery` deployment. A queued deployment simply resumes.
 */
@Injectable()
export class DeploymentRecovery {
  private readonly logger = new Logger('Recovery');
  private readonly branchRef: string;

  constructor(
    @Inject(DeploymentStore) private readonly store: DeploymentStore,
    @Inject(GitService) private readonly git: GitService,
    @Inject(ConfigService) config: ConfigService<AppConfig, true>,
  ) {
    this.branchRef = `refs/heads/${config.get('deployBranch', { infer: true })}`;
  }

  async recover(): Promise<void> {
    const interrupted = this.store.running();
    for (const deployment of interrupted) await this.markInterrupted(deployment);
    const queued = this.store.nextQueued();
    if (queued) {
      this.logger.log(`deployment ${queued.id} was queued before the restart: resuming it`);
      return;
    }
    if (interrupted.length === 0) return;

    const newest = interrupted.at(-1)!;
    const target = this.store.newestAcceptedPush();
    // A manual deployment has no delivery; when it is the newest, it wanted the branch tip.
    const requestedSha = target && target.deploymentId >= newest.id ? target.sha : newest.requestedSha;
    if (requestedSha !== null && (await this.deployed(requestedSha))) {
      this.logger.log(`${requestedSha.slice(0, 7)} is already deployed: nothing to recover`);
      return;
    }
    const recovery = this.store.create({ trigger: 'recovery', ref: this.branchRef, requestedSha });
    this.logger.warn(
      `deployment ${recovery.id} queued to deploy ${requestedSha?.slice(0, 7) ?? 'the branch tip'} again ` +
        `after interrupted deployment ${newest.id}`,
    );
  }

  private async markInterrupted(deployment: DeploymentSummary): Promise<void> {
    const activity = this.store.activity(deployment.id);
    const step = activity?.phase === 'command' ? 'the deploy command' : 'the git update';
    const notes = [`${INTERRUPTED}: hookdeploy stopped while ${step} was running`];
    // Left alone, it would go on changing the work tree under the next deployment.
    if (activity?.processGroup != null && (await endLeftoverGroup(activity.processGroup, activity.processStarted))) {
      notes.push(`killed process group ${activity.processGroup}, which was still running`);
    }
    // Only once git had started: before that the clean-tree check may not have run, and
    // the tracked files may hold the operator's own edits.
    if (activity?.phase === 'git') {
      const cleared = await this.git
        .clearInterruptedUpdate()
        .catch((error: Error) => [`could not clean up: ${error.message}`]);
      notes.push(...cleared);
    }
    const note = `\n${notes.map((line) => `hookdeploy: ${line}\n`).join('')}`;
    this.store.atomically(() => {
      this.store.saveLog(deployment.id, (this.store.getLog(deployment.id) ?? '') + note);
      this.store.setActivity(deployment.id, null);
      this.store.update(deployment.id, {
        status: 'failed',
        error: INTERRUPTED,
        finishedAt: new Date().toISOString(),
      });
    });
    this.logger.warn(
      `deployment ${deployment.id} was interrupted during ${step}: marked failed (${notes.slice(1).join('; ') || 'nothing left running'})`,
    );
  }

  /** Whether a succeeded deployment already contains `sha` (git decides; unknown means no). */
  private async deployed(sha: string): Promise<boolean> {
    const last = this.store.lastSucceeded();
    if (!last?.headAfter) return false;
    return this.git.contains(last.headAfter, sha).catch(() => false);
  }
}
