import { Logger } from '@nestjs/common';
import { DEFAULT_TARGET_ID, type Target } from '../domain/target.js';
import { deploymentFields } from '../domain/log-fields.js';
import type { DeliveriesStore } from '../storage/deliveries.store.js';
import type { DeploymentsStore } from '../storage/deployments.store.js';
import type { GroupCommit } from '../storage/group-commit.js';
import type { Retention } from '../storage/retention.js';
import type { DeploySlots } from '../targets/deploy-slots.js';
import type { WorkTreeLocks } from '../targets/work-tree-locks.js';
import { NotRecordedError, ShuttingDownError, type Acceptance, type PushRequest } from './acceptance.js';
import type { DeployRunner } from './deploy-runner.js';
import { describe } from './deployment-label.js';

/** What every target's queue shares. */
export interface TargetQueueDeps {
  deployments: DeploymentsStore;
  deliveries: DeliveriesStore;
  retention: Retention;
  runner: DeployRunner;
  commits: GroupCommit;
  /** MAX_PARALLEL_DEPLOYS, across targets. */
  slots: DeploySlots;
  /** One deploy per work tree, across targets (a reload may rename a target mid-deploy). */
  workTrees: WorkTreeLocks;
  historyLimit: number;
}

/**
 * One deploy at a time for one target's work tree. A push that arrives while a deploy
 * runs joins the single waiting deployment (created on demand), which then targets the
 * newest pushed commit: a burst of N pushes costs at most two deploys. Each deploy also
 * waits for one of the MAX_PARALLEL_DEPLOYS slots shared by all targets.
 */
export class TargetQueue {
  private readonly logger = new Logger('Deploy');
  private worker: Promise<void> | undefined;
  private accepting = true;
  /** A prune of this target is under way (see prune()). */
  private pruning = false;

  /** `current()`: the target as configured now (a reload may change it), undefined once removed. */
  constructor(
    readonly targetId: string,
    private readonly current: () => Target | undefined,
    private readonly deps: TargetQueueDeps,
  ) {}

  /**
   * One transaction (shared with the other deliveries of the same event-loop turn, see
   * GroupCommit): deduplication and coalescing never interleave with another delivery,
   * and the 202 is only sent once the delivery is on disk.
   */
  async accept(push: PushRequest): Promise<Acceptance> {
    if (!this.accepting) throw new ShuttingDownError();
    const { status, deploymentId, joined } = await this.recorded(() => this.record(push));
    if (status === 'queued') {
      this.logger.log({
        msg: `delivery ${push.deliveryId}${this.forTarget()}: ${joined ? 'joined waiting deployment' : 'queued as deployment'} ${deploymentId}`,
        delivery: push.deliveryId,
        target: this.targetId,
        deployment: deploymentId,
      });
      this.start();
    }
    return { status, deploymentId };
  }

  private record(push: PushRequest): Acceptance & { joined: boolean } {
    const { deployments, deliveries } = this.deps;
    const target = this.targetId;
    const record = { id: push.deliveryId, event: push.event, receivedAt: push.receivedAt, reason: null, sha: push.sha };
    const covering = deliveries.acceptedBy(target, push.deliveryId);
    if (covering !== undefined) {
      deliveries.record(target, { ...record, outcome: 'duplicate', statusCode: 200, deploymentId: covering });
      return { status: 'duplicate', deploymentId: covering, joined: false };
    }
    const waiting = deployments.nextQueuedId(target);
    if (waiting !== undefined) deployments.set(waiting, { ref: push.ref, requestedSha: push.sha });
    const deploymentId =
      waiting ?? deployments.insert(target, { trigger: 'push', ref: push.ref, requestedSha: push.sha });
    deliveries.record(target, { ...record, outcome: 'queued', statusCode: 202, deploymentId });
    return { status: 'queued', deploymentId, joined: waiting !== undefined };
  }

  /**
   * "Deploy now": the tip of the branch as origin has it when the deploy runs. Joins the
   * waiting deployment if there is one: that one fetches the same tip.
   */
  async requestManual(branch: string): Promise<number> {
    if (!this.accepting) throw new ShuttingDownError();
    const { deployments } = this.deps;
    const deploymentId = await this.recorded(
      () =>
        deployments.nextQueuedId(this.targetId) ??
        deployments.insert(this.targetId, { trigger: 'manual', ref: `refs/heads/${branch}`, requestedSha: null }),
    );
    this.logger.log({
      msg: `manual deploy requested${this.forTarget()}: deployment ${deploymentId}`,
      target: this.targetId,
      deployment: deploymentId,
    });
    this.start();
    return deploymentId;
  }

  /** On disk before it resolves; a failed write rolls back and becomes a NotRecordedError. */
  private async recorded<T>(work: () => T): Promise<T> {
    try {
      return await this.deps.commits.run(work);
    } catch (error) {
      this.logger.error(`could not record: ${(error as Error).message}`);
      throw new NotRecordedError();
    }
  }

  /** Starts the worker if something is queued and none runs. */
  start(): void {
    this.worker ??= this.work().finally(() => {
      this.worker = undefined;
    });
  }

  /** Resolves when no deployment of this target runs or waits for a slot. */
  async idle(): Promise<void> {
    while (this.worker) await this.worker;
  }

  /** No more deliveries; the running deployment may finish, a waiting one stays queued. */
  stop(): void {
    this.accepting = false;
  }

  /**
   * Takes deliveries again (a reload added the target back before its last deploy ended):
   * that deploy is live, not interrupted, so there is nothing to recover; what is queued runs next.
   */
  resume(): void {
    this.accepting = true;
    this.start();
  }

  get running(): boolean {
    return this.worker !== undefined;
  }

  /** At shutdown: a deployment still queued runs at the next start. */
  reportLeftBehind(): void {
    try {
      const waiting = this.deps.deployments.nextQueued(this.targetId);
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

  private async work(): Promise<void> {
    const { deployments, workTrees, slots } = this.deps;
    // At shutdown the loop stops before the next deployment; it stays queued in the store.
    let afterAnother = false;
    while (this.accepting) {
      const planned = this.current();
      if (planned === undefined || deployments.nextQueuedId(this.targetId) === undefined) return;
      // The work tree first, then a slot: a deploy waiting for another target's deploy on
      // the same tree must not hold a slot the other targets could use.
      const unlock = await workTrees.acquire(planned.repoPath);
      try {
        const release = await slots.acquire();
        try {
          // Read after the waits: pushes may have joined it, a reload may have changed the target.
          const target = this.current();
          if (target === undefined || !this.accepting) return;
          if (target.repoPath !== planned.repoPath) continue; // moved by a reload: lock its new tree
          const outcome = await this.runNext(target, afterAnother);
          if (outcome === 'stop') return;
          afterAnother ||= outcome === 'ran';
        } finally {
          release();
        }
      } finally {
        unlock();
      }
      this.prune();
    }
  }

  /** Runs the deployment waiting, if any: `stop` when the store failed. */
  private async runNext(target: Target, afterAnother: boolean): Promise<'ran' | 'none' | 'stop'> {
    const next = this.deps.deployments.nextQueued(this.targetId);
    if (!next) return 'none';
    try {
      await this.deps.runner.run(target, next, afterAnother);
      return 'ran';
    } catch (error) {
      // run() records its own failures; reaching here means the store itself failed.
      this.logger.error({
        msg: `deployment ${next.id}: could not be recorded: ${(error as Error).message}`,
        ...deploymentFields(next),
      });
      return 'stop';
    }
  }

  /**
   * Off the request path, and not awaited by the worker: a backlog (HISTORY_LIMIT lowered)
   * takes minutes in batches, and the next deployment must not wait for it. One at a time.
   */
  private prune(): void {
    if (this.pruning) return;
    this.pruning = true;
    void this.deps.retention
      .prune(this.targetId, this.deps.historyLimit)
      .then(
        (pruned) => {
          if (pruned > 0)
            this.logger.log(`history${this.forTarget()}: pruned ${pruned} deployment(s) beyond HISTORY_LIMIT`);
        },
        (error: unknown) => this.logger.error(`history: pruning failed: ${(error as Error).message}`),
      )
      .finally(() => {
        this.pruning = false;
      });
  }

  /** Env-only mode's lines stay as they were: its one target goes without saying. */
  private forTarget(): string {
    return this.targetId === DEFAULT_TARGET_ID ? '' : ` for ${this.targetId}`;
  }
}
