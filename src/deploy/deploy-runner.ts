import { Inject, Injectable, Logger } from '@nestjs/common';
import { deployMode, type Target } from '../domain/target.js';
import { GitServices } from '../git/git-services.js';
import { STORES } from '../storage/store.providers.js';
import type { Stores } from '../storage/stores.js';
import { deploymentFields } from '../domain/log-fields.js';
import { trackActivity } from './activity-tracker.js';
import { runDeployCommand } from './deploy-command.js';
import { DeployFailure, errorMessage } from './deploy-failure.js';
import type { DeploymentSummary } from '../domain/deployment.js';
import { DeploymentEvents } from '../events/deployment-events.js';
import { describe } from './deployment-label.js';
import type { LiveLog } from './live-log.js';
import { LiveLogs } from './live-logs.js';
import { OutcomeRecorder, type Outcome } from './outcome-recorder.js';
import { ReleaseDeploy } from './release-deploy.js';
import { InPlaceRollback } from './in-place-rollback.js';
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
  private readonly outcomes: OutcomeRecorder;

  constructor(
    @Inject(GitServices) private readonly gits: GitServices,
    @Inject(STORES) private readonly store: Stores,
    @Inject(DeploymentEvents) private readonly events: DeploymentEvents,
    @Inject(ReleaseDeploy) private readonly releases: ReleaseDeploy,
  ) {
    this.live = new LiveLogs(store.logs, events);
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
  async run(target: Target, queued: DeploymentSummary, afterAnother = false): Promise<DeploymentSummary> {
    const deployment = this.store.deployments.update(queued.id, {
      status: 'running',
      startedAt: new Date().toISOString(),
    });
    this.events.started(deployment);
    const label = describe(deployment);
    const log = this.live.open(deployment.id);
    try {
      const outcome =
        deployMode(target) === 'release'
          ? await this.releases.run(target, deployment, afterAnother, log)
          : await this.deploy(target, deployment, afterAnother, log);
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
  private async deploy(
    target: Target,
    deployment: DeploymentSummary,
    afterAnother: boolean,
    log: LiveLog,
  ): Promise<Outcome> {
    const label = describe(deployment);
    const git = this.gits.for(target.repoPath);
    const policy = { deployBranch: target.branch, pullStrategy: target.strategy };
    const update = new WorkTreeUpdate(git, this.store, policy);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), target.timeoutMs);
    let headBefore: string | null = null;
    let headAfter: string | null = null;

    const goal = deployment.requestedSha?.slice(0, 7) ?? `the tip of ${target.branch}`;
    this.logger.log({
      msg: `${label}: running, ${target.strategy} to ${goal}`,
      ...deploymentFields(deployment),
    });
    try {
      // A rollback moves the work tree back instead of fetching; the command runs as for any deployment.
      const step = { signal: deadline.signal, output: log.append };
      const commit =
        deployment.trigger === 'rollback'
          ? await new InPlaceRollback(git, this.store, policy).run(deployment, step)
          : await update.run(deployment, step, afterAnother);
      ({ headBefore, headAfter } = commit);
      const command = target.command;
      if (command !== undefined) {
        this.logger.log({
          msg: `${label}: work tree at ${commit.headAfter.slice(0, 7)}, running the deploy command`,
          ...deploymentFields(deployment),
        });
        const onSpawn = trackActivity(this.store.activity, deployment.id, 'command');
        const cwd = target.repoPath;
        await runDeployCommand({ command, cwd, deployment, commit, signal: deadline.signal, log, onSpawn });
      }
      return { status: 'succeeded', headBefore: commit.headBefore, headAfter: commit.headAfter };
    } catch (error) {
      if (error instanceof DeployFailure) headBefore = error.headBefore ?? headBefore;
      headAfter = await git.head().catch(() => headAfter);
      const reason = deadline.signal.aborted
        ? `timed out after ${target.timeoutMs / 1000}s: ${errorMessage(error)}`
        : errorMessage(error);
      log.append(`\nhookdeploy: deployment failed: ${reason}\n`);
      return { status: 'failed', headBefore, headAfter, error: reason };
    } finally {
      clearTimeout(timer);
    }
  }
}
