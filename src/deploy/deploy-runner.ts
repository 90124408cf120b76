import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { operatorEnvironment } from '../process/operator-environment.js';
import { GitService, type UpdateControl } from '../git/git.service.js';
import type { WorkTreeState } from '../git/work-tree-state.js';
import { deploymentFields } from '../observability/log-fields.js';
import { processStartTime } from '../process/process-identity.js';
import type { Deployment, DeploymentSummary } from './deployment.js';
import { DeploymentEvents } from './deployment-events.js';
import { DEFAULT_TARGET_ID } from '../domain/target.js';
import { ActivityStore, type DeploymentActivity } from '../storage/activity.store.js';
import { DeliveriesStore } from '../storage/deliveries.store.js';
import { DeploymentLogsStore } from '../storage/deployment-logs.store.js';
import { DeploymentsStore } from '../storage/deployments.store.js';
import { Transactions } from '../storage/transactions.js';
import { LiveLog } from './live-log.js';
import { runCommand } from './run-command.js';

/** "deployment 4 (deliveries a, b)", "deployment 5 (manual)": how the log names a deployment. */
export function describe(deployment: DeploymentSummary): string {
  const cause =
    deployment.deliveries.length > 0 ? `deliveries ${deployment.deliveries.join(', ')}` : deployment.trigger;
  return `deployment ${deployment.id} (${cause})`;
}

/** Where a deployment found HEAD, where it left it, and the commit it had to reach. */
interface Moved {
  headBefore: string;
  headAfter: string;
  requestedSha: string;
}

/** Why a deployment failed; its message becomes the deployment's `error`. */
class DeployFailure extends Error {
  constructor(
    message: string,
    readonly headBefore?: string,
  ) {
    super(message);
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** For `.catch()`: a git query that failed before anything moved fails the deployment. */
function failed(error: unknown): never {
  throw new DeployFailure(errorMessage(error));
}

/** Runs one deployment: git step, check, then DEPLOY_COMMAND, all under DEPLOY_TIMEOUT. */
@Injectable()
export class DeployRunner {
  private readonly logger = new Logger('Deploy');
  private readonly live = new Map<number, LiveLog>();
  private readonly config: Pick<
    AppConfig,
    'repoPath' | 'deployBranch' | 'pullStrategy' | 'deployCommand' | 'deployTimeoutMs'
  >;

  constructor(
    @Inject(GitService) private readonly git: GitService,
    @Inject(DeploymentsStore) private readonly deployments: DeploymentsStore,
    @Inject(DeliveriesStore) private readonly deliveries: DeliveriesStore,
    @Inject(DeploymentLogsStore) private readonly logs: DeploymentLogsStore,
    @Inject(ActivityStore) private readonly activity: ActivityStore,
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(DeploymentEvents) private readonly events: DeploymentEvents,
    @Inject(ConfigService) config: ConfigService<AppConfig, true>,
  ) {
    this.config = {
      repoPath: config.get('repoPath', { infer: true }),
      deployBranch: config.get('deployBranch', { infer: true }),
      pullStrategy: config.get('pullStrategy', { infer: true }),
      deployCommand: config.get('deployCommand', { infer: true }),
      deployTimeoutMs: config.get('deployTimeoutMs', { infer: true }),
    };
  }

  /** The output so far of a running deployment (the stored log lags up to a second). */
  liveLog(deploymentId: number): string | undefined {
    return this.live.get(deploymentId)?.toString();
  }

  /**
   * Never throws, unless the store fails: every outcome ends in the store as succeeded or
   * failed. `afterAnother`: it waited while another deployment ran.
   */
  async run(queued: DeploymentSummary, afterAnother = false): Promise<DeploymentSummary> {
    const deployment = this.deployments.update(queued.id, { status: 'running', startedAt: new Date().toISOString() });
    const label = describe(deployment);
    const log = new LiveLog(deployment.id, this.logs, this.events);
    this.live.set(deployment.id, log);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.config.deployTimeoutMs);
    let headBefore: string | null = null;
    let headAfter: string | null = null;

    const target = deployment.requestedSha?.slice(0, 7) ?? `the tip of ${this.config.deployBranch}`;
    this.logger.log({
      msg: `${label}: running, ${this.config.pullStrategy} to ${target}`,
      ...deploymentFields(deployment),
    });
    const control = { signal: deadline.signal, output: log.append };
    try {
      const moved = await this.updateWorkTree(deployment, control, afterAnother);
      ({ headBefore, headAfter } = moved);
      await this.maintain(deployment.id, control);
      const command = this.config.deployCommand;
      if (command !== undefined) {
        this.logger.log({
          msg: `${label}: work tree at ${headAfter.slice(0, 7)}, running the deploy command`,
          ...deploymentFields(deployment),
        });
        const commit = { headBefore, headAfter, requestedSha: moved.requestedSha };
        await this.runDeployCommand(command, deployment, commit, deadline.signal, log);
      }
      // The contract's success line: only once everything, the command included, worked.
      this.logger.log({
        msg: `${label}: succeeded. Repository updated with commit ${headAfter.slice(0, 7)}`,
        ...deploymentFields(deployment),
      });
      return this.finish(deployment.id, { status: 'succeeded', headBefore, headAfter, log });
    } catch (error) {
      if (error instanceof DeployFailure) headBefore = error.headBefore ?? headBefore;
      headAfter = await this.git.head().catch(() => headAfter);
      const reason = deadline.signal.aborted
        ? `timed out after ${this.config.deployTimeoutMs / 1000}s: ${errorMessage(error)}`
        : errorMessage(error);
      this.logger.error({ msg: `${label}: failed: ${reason}`, ...deploymentFields(deployment) });
      log.append(`\nhookdeploy: deployment failed: ${reason}\n`);
      return this.finish(deployment.id, { status: 'failed', headBefore, headAfter, log, error: reason });
    } finally {
      clearTimeout(timer);
      this.live.delete(deployment.id);
    }
  }

  /** Records what runs now and its process group, for the recovery after a crash. */
  private track(deploymentId: number, phase: DeploymentActivity['phase']): (processGroup: number) => void {
    this.activity.set(deploymentId, { phase, processGroup: null, processStarted: null });
    return (processGroup) =>
      this.activity.set(deploymentId, { phase, processGroup, processStarted: processStartTime(processGroup) });
  }

  /**
   * Checks the work tree and moves it to the requested commit. Returns where HEAD was and
   * is, and the commit the deployment had to reach (for a manual one, the fetched tip).
   */
  private async updateWorkTree(
    deployment: DeploymentSummary,
    control: Pick<UpdateControl, 'signal' | 'output'>,
    afterAnother: boolean,
  ): Promise<Moved> {
    const { requestedSha } = deployment;
    if (!afterAnother || requestedSha === null) return this.fetchWhileChecking(deployment, control);
    // It waited behind another deployment, whose fetch of the branch tip may well have
    // brought every commit its deliveries pushed (a burst): then there is nothing to fetch.
    const headBefore = this.checkWorkTree(await this.git.state(control.signal).catch(failed));
    this.deployments.set(deployment.id, { headBefore });
    const pushed = this.deliveries.requestedCommits(deployment.id);
    if (pushed.length > 0 && (await this.git.containsAll(headBefore, pushed, control.signal))) {
      control.output(
        `hookdeploy: HEAD ${headBefore.slice(0, 7)} already contains every pushed commit: nothing to fetch\n`,
      );
      return { headBefore, headAfter: headBefore, requestedSha };
    }
    const fetched = this.git.fetch(this.config.deployBranch, {
      ...control,
      onSpawn: this.track(deployment.id, 'fetch'),
    });
    return this.moveAndVerify(deployment, control, headBefore, fetched);
  }

  /** The fetch runs while the work tree is checked: it touches neither HEAD nor the work tree. */
  private async fetchWhileChecking(
    deployment: DeploymentSummary,
    control: Pick<UpdateControl, 'signal' | 'output'>,
  ): Promise<Moved> {
    const stopFetch = new AbortController();
    const fetched = this.git.fetch(this.config.deployBranch, {
      ...control,
      signal: AbortSignal.any([control.signal, stopFetch.signal]),
      onSpawn: this.track(deployment.id, 'fetch'),
    });
    let headBefore: string;
    try {
      headBefore = this.checkWorkTree(await this.git.state(control.signal).catch(failed));
    } catch (error) {
      // Nothing may move this work tree: the fetch is not needed any more.
      stopFetch.abort();
      await fetched.catch(() => undefined);
      throw error;
    }
    this.deployments.set(deployment.id, { headBefore });
    return this.moveAndVerify(deployment, control, headBefore, fetched);
  }

  private async moveAndVerify(
    deployment: DeploymentSummary,
    control: Pick<UpdateControl, 'signal' | 'output'>,
    headBefore: string,
    fetched: Promise<void>,
  ): Promise<Moved> {
    const branch = this.config.deployBranch;
    try {
      await fetched;
      const onSpawn = this.track(deployment.id, 'git');
      await this.git.integrate(this.config.pullStrategy, branch, { ...control, onSpawn });
      let requestedSha = deployment.requestedSha;
      if (requestedSha === null) {
        requestedSha = await this.git.fetchedTip(control.signal);
        this.deployments.set(deployment.id, { requestedSha });
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

  /** Returns HEAD when git may move the work tree. */
  private checkWorkTree(state: WorkTreeState): string {
    const expected = this.config.deployBranch;
    if (state.branch !== expected) {
      const actual = state.branch ? `branch ${state.branch}` : 'a detached HEAD';
      throw new DeployFailure(`work tree is on ${actual}, expected ${expected}`, state.head);
    }
    if (state.head === undefined) throw new DeployFailure('work tree has no commit checked out');
    // `reset` discards local edits by design; the other strategies refuse to build on them.
    if (this.config.pullStrategy !== 'reset' && state.changes.length > 0) {
      throw new DeployFailure(`work tree has uncommitted changes: ${state.changes.slice(0, 5).join(', ')}`, state.head);
    }
    return state.head;
  }

  /**
   * git's housekeeping, deferred from the fetch and merge; its failure fails no
   * deployment. Skipped while another deployment waits: that one does it, so a burst of
   * pushes pays for it once.
   */
  private async maintain(deploymentId: number, control: Pick<UpdateControl, 'signal' | 'output'>): Promise<void> {
    if (this.deployments.nextQueuedId(DEFAULT_TARGET_ID) !== undefined) return;
    try {
      await this.git.maintain({ ...control, onSpawn: this.track(deploymentId, 'git') });
    } catch (error) {
      control.output(`hookdeploy: git maintenance failed (the deployment stands): ${errorMessage(error)}\n`);
    }
  }

  private async runDeployCommand(
    command: string,
    deployment: DeploymentSummary,
    commit: { headBefore: string; headAfter: string; requestedSha: string },
    signal: AbortSignal,
    log: LiveLog,
  ): Promise<void> {
    const env = Object.assign(operatorEnvironment(), {
      DEPLOY_SHA: commit.headAfter,
      DEPLOY_BEFORE: commit.headBefore,
      DEPLOY_REF: deployment.ref,
      // Final once it runs: only a waiting deployment takes more deliveries. Empty for
      // manual and recovery deployments.
      DEPLOY_DELIVERY: deployment.deliveries.at(-1) ?? '',
      DEPLOY_ID: String(deployment.id),
      DEPLOY_TRIGGER: deployment.trigger,
      DEPLOY_REQUESTED_SHA: commit.requestedSha,
    });
    log.append(`$ ${command}\n`);
    const onSpawn = this.track(deployment.id, 'command');
    const result = await runCommand(command, {
      cwd: this.config.repoPath,
      env,
      signal,
      output: log.append,
      onSpawn,
    });
    if (result.timedOut) throw new DeployFailure('the deploy command was killed');
    if (result.exitCode !== 0) {
      throw new DeployFailure(
        result.exitCode === null
          ? `the deploy command ${result.signal ? `was killed by ${result.signal}` : `could not start: ${result.startError}`}`
          : `the deploy command exited with code ${result.exitCode}`,
      );
    }
  }

  private finish(
    id: number,
    outcome: Pick<Deployment, 'status' | 'headBefore' | 'headAfter'> & { log: LiveLog; error?: string },
  ): DeploymentSummary {
    const finished = this.transactions.atomically(() => {
      outcome.log.save();
      this.activity.set(id, null);
      return this.deployments.update(id, {
        status: outcome.status,
        headBefore: outcome.headBefore,
        headAfter: outcome.headAfter,
        error: outcome.error ?? null,
        finishedAt: new Date().toISOString(),
      });
    });
    this.events.finished(finished);
    return finished;
  }
}
