import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { operatorEnvironment } from '../process/operator-environment.js';
import { GitService, type UpdateControl } from '../git/git.service.js';
import type { WorkTreeState } from '../git/work-tree-state.js';
import { deploymentFields } from '../observability/log-fields.js';
import { processStartTime } from '../process/process-identity.js';
import type { DeploymentSummary } from './deployment.js';
import { DeploymentEvents } from './deployment-events.js';
import { DeploymentStore, type DeploymentActivity } from './deployment.store.js';
import { LiveLog } from './live-log.js';
import { retryWrite } from './retry-write.js';
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

/** How a deployment ended, before it is recorded. */
type Outcome =
  | { status: 'succeeded'; headBefore: string; headAfter: string }
  | { status: 'failed'; headBefore: string | null; headAfter: string | null; error: string };

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
  private readonly shutdown = new AbortController();
  private readonly config: Pick<
    AppConfig,
    'repoPath' | 'deployBranch' | 'pullStrategy' | 'deployCommand' | 'deployTimeoutMs'
  >;

  constructor(
    @Inject(GitService) private readonly git: GitService,
    @Inject(DeploymentStore) private readonly store: DeploymentStore,
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
    const deployment = this.store.update(queued.id, { status: 'running', startedAt: new Date().toISOString() });
    const label = describe(deployment);
    const log = new LiveLog(deployment.id, this.store, this.events);
    this.live.set(deployment.id, log);
    try {
      const outcome = await this.deploy(deployment, afterAnother, log);
      const finished = await this.finish(deployment, outcome, log);
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
      this.live.delete(deployment.id);
    }
  }

  /** Stops retrying the final write of a deployment soon (see retryWrite): the service stops. */
  beginShutdown(): void {
    this.shutdown.abort();
  }

  /** The git step, the check and the command, under DEPLOY_TIMEOUT; never throws. */
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
    const control = { signal: deadline.signal, output: log.append };
    try {
      const moved = await this.updateWorkTree(deployment, control, afterAnother);
      ({ headBefore, headAfter } = moved);
      await this.updateSubmodules(deployment.id, control, headBefore);
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
      return { status: 'succeeded', headBefore, headAfter };
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

  /** Records what runs now and its process group, for the recovery after a crash. */
  private track(deploymentId: number, phase: DeploymentActivity['phase']): (processGroup: number) => void {
    this.store.setActivity(deploymentId, { phase, processGroup: null, processStarted: null });
    return (processGroup) =>
      this.store.setActivity(deploymentId, { phase, processGroup, processStarted: processStartTime(processGroup) });
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
    this.store.set(deployment.id, { headBefore });
    const pushed = this.store.requestedCommits(deployment.id);
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
    this.store.set(deployment.id, { headBefore });
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
        this.store.set(deployment.id, { requestedSha });
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
  private async updateSubmodules(
    deploymentId: number,
    control: Pick<UpdateControl, 'signal' | 'output'>,
    headBefore: string,
  ): Promise<void> {
    try {
      await this.git.updateSubmodules(this.config.pullStrategy, {
        ...control,
        onSpawn: this.track(deploymentId, 'git'),
      });
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
    if (this.store.nextQueuedId() !== undefined) return;
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
          ? `the deploy command ${result.signal ? `was killed by ${result.signal}` : 'could not start'}`
          : `the deploy command exited with code ${result.exitCode}`,
      );
    }
  }

  /**
   * Records the outcome in one transaction: final log, activity cleared, status, heads,
   * error, finishedAt. A write the database refuses (a full disk) is retried until it
   * passes: the worker takes the next deployment only after this one's end is on record.
   * At shutdown the retries end after a grace; the deployment then stays `running`, and
   * the next start's recovery marks it `interrupted` (and redeploys the branch).
   */
  private async finish(deployment: DeploymentSummary, outcome: Outcome, log: LiveLog): Promise<DeploymentSummary> {
    const label = describe(deployment);
    const { id } = deployment;
    const said = outcome.status === 'succeeded' ? 'succeeded' : `failed: ${outcome.error}`;
    let attempts = 0;
    const record = (): DeploymentSummary =>
      this.store.atomically(() => {
        log.save();
        this.store.setActivity(id, null);
        return this.store.update(id, {
          status: outcome.status,
          headBefore: outcome.headBefore,
          headAfter: outcome.headAfter,
          error: outcome.status === 'failed' ? outcome.error : null,
          finishedAt: new Date().toISOString(),
        });
      });
    let finished: DeploymentSummary;
    try {
      finished = await retryWrite(record, {
        shutdown: this.shutdown.signal,
        onFailure: (error, attempt) => {
          attempts = attempt;
          // Once per outage: the retries go on quietly.
          if (attempt > 1) return;
          this.logger.error({
            msg: `${label}: could not record its outcome (${said}): ${errorMessage(error)}; retrying until the database takes it`,
            ...deploymentFields(deployment),
          });
        },
      });
    } catch (error) {
      throw new Error(
        `its outcome (${said}) never reached the database: ${errorMessage(error)}; the next start marks it interrupted`,
        { cause: error },
      );
    }
    if (attempts > 0) {
      this.logger.log({
        msg: `${label}: outcome recorded after ${attempts + 1} attempts`,
        ...deploymentFields(deployment),
      });
    }
    this.events.finished(finished);
    return finished;
  }
}
