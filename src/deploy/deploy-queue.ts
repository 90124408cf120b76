import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { deploymentFields } from '../observability/log-fields.js';
import { describe, DeployRunner } from './deploy-runner.js';
import { DeploymentRecovery } from './deployment-recovery.js';
import { DEFAULT_TARGET_ID } from '../domain/target.js';
import { DeliveriesStore } from '../storage/deliveries.store.js';
import { DeploymentsStore } from '../storage/deployments.store.js';
import { GroupCommit } from '../storage/group-commit.js';
import { Retention } from '../storage/retention.js';

const PRUNE_INTERVAL_MS = 10 * 60_000;

export interface PushRequest {
  deliveryId: string;
  event: string;
  ref: string;
  /** The pushed `after`. */
  sha: string;
  receivedAt: string;
}

export type Acceptance = { status: 'queued' | 'duplicate'; deploymentId: number };

/** Why a push or a manual deploy cannot be taken now; the caller answers 503 (retry later). */
export class NotAcceptedError extends Error {}

export class ShuttingDownError extends NotAcceptedError {
  constructor() {
    super('hookdeploy is shutting down; deliver again once it is back');
  }
}

/** The database refused the write (disk full, file gone): nothing was accepted. */
export class NotRecordedError extends NotAcceptedError {
  constructor() {
    // The database's own message goes to the log only.
    super('the request could not be recorded; send it again later');
  }
}

/**
 * One deploy at a time for the one work tree. A push that arrives while a deploy runs
 * joins the single waiting deployment (created on demand), which then targets the
 * newest pushed commit: a burst of N pushes costs at most two deploys.
 */
@Injectable()
export class DeployQueue implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Deploy');
  private readonly branchRef: string;
  private readonly historyLimit: number;
  /** The one target until targets are configured (issue 10). */
  private readonly target = DEFAULT_TARGET_ID;
  private worker: Promise<void> | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private accepting = true;

  constructor(
    @Inject(DeploymentsStore) private readonly deployments: DeploymentsStore,
    @Inject(DeliveriesStore) private readonly deliveries: DeliveriesStore,
    @Inject(Retention) private readonly retention: Retention,
    @Inject(DeployRunner) private readonly runner: DeployRunner,
    @Inject(DeploymentRecovery) private readonly recovery: DeploymentRecovery,
    @Inject(GroupCommit) private readonly commits: GroupCommit,
    @Inject(ConfigService) config: ConfigService<AppConfig, true>,
  ) {
    this.branchRef = `refs/heads/${config.get('deployBranch', { infer: true })}`;
    this.historyLimit = config.get('historyLimit', { infer: true });
  }

  /** Before the server listens: settle what a previous process left, then resume its queue. */
  async onApplicationBootstrap(): Promise<void> {
    await this.recovery.recover();
    this.prune(() => this.retention.pruneAll(this.historyLimit));
    // Ignored deliveries keep arriving when nothing deploys; they are pruned on a timer too.
    this.pruneTimer = setInterval(
      () => this.prune(() => this.retention.pruneAll(this.historyLimit)),
      PRUNE_INTERVAL_MS,
    ).unref();
    if (this.deployments.nextQueued(this.target)) this.startWorker();
  }

  /**
   * One transaction (shared with the other deliveries of the same event-loop turn, see
   * GroupCommit): deduplication and coalescing never interleave with another delivery,
   * and the 202 is only sent once the delivery is on disk.
   */
  async accept(push: PushRequest): Promise<Acceptance> {
    if (!this.accepting) throw new ShuttingDownError();
    const acceptance = await this.recorded(() => this.record(push));
    const { status, deploymentId, joined } = acceptance;
    if (status === 'queued') {
      this.logger.log({
        msg: `delivery ${push.deliveryId}: ${joined ? 'joined waiting deployment' : 'queued as deployment'} ${deploymentId}`,
        delivery: push.deliveryId,
        deployment: deploymentId,
      });
      this.startWorker();
    }
    return { status, deploymentId };
  }

  private record(push: PushRequest): Acceptance & { joined: boolean } {
    const record = { id: push.deliveryId, event: push.event, receivedAt: push.receivedAt, reason: null, sha: push.sha };
    const covering = this.deliveries.acceptedBy(this.target, push.deliveryId);
    if (covering !== undefined) {
      this.deliveries.record(this.target, { ...record, outcome: 'duplicate', statusCode: 200, deploymentId: covering });
      return { status: 'duplicate', deploymentId: covering, joined: false };
    }
    const waiting = this.deployments.nextQueuedId(this.target);
    if (waiting !== undefined) this.deployments.set(waiting, { ref: push.ref, requestedSha: push.sha });
    const deploymentId =
      waiting ?? this.deployments.insert(this.target, { trigger: 'push', ref: push.ref, requestedSha: push.sha });
    this.deliveries.record(this.target, { ...record, outcome: 'queued', statusCode: 202, deploymentId });
    return { status: 'queued', deploymentId, joined: waiting !== undefined };
  }

  /**
   * "Deploy now": the tip of the branch as origin has it when the deploy runs. Joins the
   * waiting deployment if there is one: that one fetches the same tip.
   */
  async requestManual(): Promise<number> {
    if (!this.accepting) throw new ShuttingDownError();
    const deploymentId = await this.recorded(() => {
      return (
        this.deployments.nextQueuedId(this.target) ??
        this.deployments.insert(this.target, { trigger: 'manual', ref: this.branchRef, requestedSha: null })
      );
    });
    this.logger.log({ msg: `manual deploy requested: deployment ${deploymentId}`, deployment: deploymentId });
    this.startWorker();
    return deploymentId;
  }

  /** On disk before it resolves; a failed write rolls back and becomes a NotRecordedError. */
  private async recorded<T>(work: () => T): Promise<T> {
    try {
      return await this.commits.run(work);
    } catch (error) {
      this.logger.error(`could not record: ${(error as Error).message}`);
      throw new NotRecordedError();
    }
  }

  /** Resolves when no deployment runs (tests and shutdown wait on it). */
  async idle(): Promise<void> {
    while (this.worker) await this.worker;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.accepting = false;
    this.runner.beginShutdown();
    clearInterval(this.pruneTimer);
    if (this.worker) {
      this.logger.log('shutting down: waiting for the running deployment to finish');
      await this.idle();
    }
    try {
      const waiting = this.deployments.nextQueued(this.target);
      if (waiting) {
        this.logger.warn({
          msg: `${describe(waiting)} stays queued: it runs when hookdeploy starts again`,
          ...deploymentFields(waiting),
        });
      }
    } catch (error) {
      // A broken database must not turn a clean stop into a failed one.
      this.logger.error(`could not read the queue at shutdown: ${(error as Error).message}`);
    }
  }

  private startWorker(): void {
    this.worker ??= this.work().finally(() => {
      this.worker = undefined;
    });
  }

  private async work(): Promise<void> {
    // At shutdown the loop stops before the next deployment; it stays queued in the store.
    let afterAnother = false;
    for (
      let next = this.deployments.nextQueued(this.target);
      next && this.accepting;
      next = this.deployments.nextQueued(this.target)
    ) {
      try {
        await this.runner.run(next, afterAnother);
        afterAnother = true;
      } catch (error) {
        // run() records its own failures; reaching here means the store itself failed.
        this.logger.error({
          msg: `deployment ${next.id}: could not be recorded: ${(error as Error).message}`,
          ...deploymentFields(next),
        });
        return;
      }
      this.prune(() => this.retention.prune(this.target, this.historyLimit));
    }
  }

  // Off the request path: between deployments, never while a delivery is answered.
  private prune(pruning: () => number): void {
    try {
      const pruned = pruning();
      if (pruned > 0) this.logger.log(`history: pruned ${pruned} deployment(s) beyond HISTORY_LIMIT`);
    } catch (error) {
      this.logger.error(`history: pruning failed: ${(error as Error).message}`);
    }
  }
}
