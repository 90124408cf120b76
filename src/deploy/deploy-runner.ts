import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { GitService } from '../git/git.service.js';
import { STORES } from '../storage/store.providers.js';
import type { Stores } from '../storage/stores.js';
import { deploymentFields } from '../observability/log-fields.js';
import { trackActivity } from './activity-tracker.js';
import { runDeployCommand } from './deploy-command.js';
import { DeployFailure, errorMessage } from './deploy-failure.js';
import type { DeploymentSummary } from './deployment.js';
import { DeploymentEvents } from './deployment-events.js';
import { describe } from './deployment-label.js';
import type { LiveLog } from './live-log.js';
import { LiveLogs } from './live-logs.js';
import { OutcomeRecorder, type Outcome } from './outcome-recorder.js';
import { WorkTreeUpdate } from './work-tree-update.js';

// Where it was first defined; kept for the code that imports it from here.
export { describe } from './deployment-label.js';

/**
 * Runs one deployment: the git steps (work-tree-update.ts), then DEPLOY_COMMAND
 * (deploy-command.ts), all under DEPLOY_TIMEOUT, and records how it ended
 * (outcome-recorder.ts) before it says so in the log.
 */
@Injectable()
export class DeployRunner {
  private readonly logger = new Logger('Deploy');
  private readonly live: LiveLogs;
  private readonly update: WorkTreeUpdate;
  private readonly outcomes: OutcomeRecorder;
  private readonly config: Pick<
    AppConfig,
    'repoPath' | 'deployBranch' | 'pullStrategy' | 'deployCommand' | 'deployTimeoutMs'
  >;

  constructor(
    @Inject(GitService) private readonly git: GitService,
    @Inject(STORES) private readonly store: Stores,
    @Inject(DeploymentEvents) events: DeploymentEvents,
    @Inject(ConfigService) config: ConfigService<AppConfig, true>,
  ) {
    this.config = {
      repoPath: config.get('repoPath', { infer: true }),
      deployBranch: config.get('deployBranch', { infer: true }),
      pullStrategy: config.get('pullStrategy', { infer: true }),
      deployCommand: config.get('deployCommand', { infer: true }),
      deployTimeoutMs: config.get('deployTimeoutMs', { infer: true }),
    };
    this.live = new LiveLogs(store.logs, events);
    this.update = new WorkTreeUpdate(git, store, this.config);
    this.outcomes = new OutcomeRecorder(store, events);
  }

  /** The output so far of a running deployment (the stored log lags up to a second). */
  liveLog(deploymentId: number): string | undefined {
    return this.live.text(deploymentId);
  }

  /** Stops retrying the final write of a deployment soon (see OutcomeRecorder): the service stops. */
  beginShutdown(): void {
    this.outcomes.beginShutdown();
  }

  /**
   * Never throws, unless the store fails: every outcome ends in the store as succeeded or
   * failed. `afterAnother`: it waited while another deployment ran.
   */
  async run(queued: DeploymentSummary, afterAnother = false): Promise<DeploymentSummary> {
    const deployment = this.store.deployments.update(queued.id, {
      status: 'running',
      startedAt: new Date().toISOString(),
    });
    const label = describe(deployment);
    const log = this.live.open(deployment.id);
    try {
      const outcome = await this.deploy(deployment, afterAnother, log);
      const finished = await this.outcomes.record(deployment, outcome, log);
      // The contract's success line: only once everything, the command included, worked
      // and the outcome is in the database.
      if (outcome.status === 'succeeded') {
        this.logger.log({
          msg: `${label}: succeeded. Repository updated with commit ${outcome.headAfter.slice(0, 7)}`,
          ...deploymentFields(deployment),
        });
      } else {
        this.logger.error({ msg: `${label}: failed: ${outcome.error}`, ...deploymentFields(deployment) });
      }
      return finished;
    } finally {
      this.live.close(deployment.id);
    }
  }

  /** The git steps and the command, under DEPLOY_TIMEOUT; never throws. */
  private async deploy(deployment: DeploymentSummary, afterAnother: boolean, log: LiveLog): Promise<Outcome> {
    const label = describe(deployment);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.config.deployTimeoutMs);
    let headBefore: string | null = null;
    let headAfter: string | null = null;

    const target = deployment.requestedSha?.slice(0, 7) ?? `the tip of ${this.config.deployBranch}`;
    this.logger.log({
      msg: `${label}: running, ${this.config.pullStrategy} to ${target}`,
      ...deploymentFields(deployment),
    });
    try {
      const commit = await this.update.run(deployment, { signal: deadline.signal, output: log.append }, afterAnother);
      ({ headBefore, headAfter } = commit);
      const command = this.config.deployCommand;
      if (command !== undefined) {
        this.logger.log({
          msg: `${label}: work tree at ${commit.headAfter.slice(0, 7)}, running the deploy command`,
          ...deploymentFields(deployment),
        });
        const onSpawn = trackActivity(this.store.activity, deployment.id, 'command');
        const cwd = this.config.repoPath;
        await runDeployCommand({ command, cwd, deployment, commit, signal: deadline.signal, log, onSpawn });
      }
      return { status: 'succeeded', headBefore: commit.headBefore, headAfter: commit.headAfter };
    } catch (error) {
      if (error instanceof DeployFailure) headBefore = error.headBefore ?? headBefore;
      headAfter = await this.git.head().catch(() => headAfter);
      const reason = deadline.signal.aborted
        ? `timed out after ${this.config.deployTimeoutMs / 1000}s: ${errorMessage(error)}`
        : errorMessage(error);
      log.append(`\nhookdeploy: deployment failed: ${reason}\n`);
      return { status: 'failed', headBefore, headAfter, error: reason };
    } finally {
      clearTimeout(timer);
    }
  }
}
