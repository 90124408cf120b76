import { Logger } from '@nestjs/common';
import { DEFAULT_TARGET_ID, type Target } from '../domain/target.js';
import type { DeploymentSummary } from '../domain/deployment.js';
import { deploymentFields } from '../domain/log-fields.js';
import type { DeliveriesStore } from '../storage/deliveries.store.js';
import type { DeploymentHostsStore } from '../storage/deployment-hosts.store.js';
import type { DeploymentsStore } from '../storage/deployments.store.js';
import type { GroupCommit } from '../storage/group-commit.js';
import type { Retention } from '../storage/retention.js';
import type { TargetStateStore } from '../storage/target-state.store.js';
import type { TargetState } from '../domain/target-state.js';
import type { DeploySlots } from '../targets/deploy-slots.js';
import type { WorkTreeLocks } from '../targets/work-tree-locks.js';
import {
  NotRecordedError,
  ShuttingDownError,
  TargetPausedError,
  type Acceptance,
  type PushRequest,
} from './acceptance.js';
import type { DeployRunner } from './deploy-runner.js';
import type { FleetRollouts } from '../fleet/fleet-rollout.js';
import { describe } from './deployment-label.js';

/** What every target's queue shares. */
export interface TargetQueueDeps {
  deployments: DeploymentsStore;
  deliveries: DeliveriesStore;
  retention: Retention;
  runner: DeployRunner;
  /** A target with hosts: its agents deploy, the hub rolls out (issue 13). */
  fleet: FleetRollouts;
  hosts: DeploymentHostsStore;
  commits: GroupCommit;
  /** MAX_PARALLEL_DEPLOYS, across targets. */
  slots: DeploySlots;
  /** One deploy per work tree, across targets (a reload may rename a target mid-deploy). */
  workTrees: WorkTreeLocks;
  historyLimit: number;
  /** Paused targets: their pushes wait, only a rollback runs. */
  targetState: TargetStateStore;
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
   *
   * The worker starts once `answered` settles (the 202 handed to the kernel): its first
   * `spawn` blocks the event loop for milliseconds (fork copies the page tables of this
   * ~90 MB process, then waits for the child's exec), which must not come before the answer.
   */
  async accept(push: PushRequest, answered: Promise<unknown> = Promise.resolve()): Promise<Acceptance> {
    if (!this.accepting) throw new ShuttingDownError();
    const { status, deploymentId, joined } = await this.recorded(() => this.record(push));
    if (status === 'queued') {
      // Whoever reads the log wonders why the push did not deploy.
      const held = this.deps.targetState.isPaused(this.targetId)
        ? ' (the target is paused: it waits for a resume)'
        : '';
      this.logger.log({
        msg: `delivery ${push.deliveryId}${this.forTarget()}: ${joined ? 'joined waiting deployment' : 'queued as deployment'} ${deploymentId}${held}`,
        delivery: push.deliveryId,
        target: this.targetId,
        deployment: deploymentId,
      });
      // Whether the answer reached the client or not, the push is on disk: it deploys.
      void answered.catch(() => undefined).then(() => this.start());
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
    // A fleet's host rows are on disk with the deployment, before the 202 (the outbox).
    if (waiting === undefined) this.insertHosts(deploymentId);
    deliveries.record(target, { ...record, outcome: 'queued', statusCode: 202, deploymentId });
    return { status: 'queued', deploymentId, joined: waiting !== undefined };
  }

  /**
   * "Deploy now": the tip of the branch as origin has it when the deploy runs. Joins the
   * waiting deployment if there is one: that one fetches the same tip.
   */
  async requestManual(branch: string): Promise<number> {
    if (!this.accepting) throw new ShuttingDownError();
    const { deployments, targetState } = this.deps;
    const deploymentId = await this.recorded(() => {
      // Refused rather than queued behind the pause: "Deploy now" that does not deploy would mislead.
      const state = targetState.get(this.targetId);
      if (state.paused) return new TargetPausedError(this.targetId, state.pausedReason);
      const waiting = deployments.nextQueuedId(this.targetId);
      if (waiting !== undefined) return waiting;
      const id = deployments.insert(this.targetId, {
        trigger: 'manual',
        ref: `refs/heads/${branch}`,
        requestedSha: null,
      });
      this.insertHosts(id);
      return id;
    });
    if (deploymentId instanceof TargetPausedError) throw deploymentId;
    this.logger.log({
      msg: `manual deploy requested${this.forTarget()}: deployment ${deploymentId}`,
      target: this.targetId,
      deployment: deploymentId,
    });
    this.start();
    return deploymentId;
  }

  /**
   * Queues a rollback to `source` (a succeeded deployment of this target) and pauses the
   * target, in one transaction, so that the next push does not undo it. A rollback
   * already waiting is redirected to `source` (the newest request wins, as pushes
   * coalesce); it runs before the waiting push deployment, paused or not.
   */
  async requestRollback(source: DeploymentSummary & { headAfter: string }): Promise<number> {
    if (!this.accepting) throw new ShuttingDownError();
    const { deployments, targetState } = this.deps;
    const deploymentId = await this.recorded(() => {
      const change = { rollbackOf: source.id, requestedSha: source.headAfter, ref: source.ref };
      const waiting = deployments.waitingRollback(this.targetId);
      if (waiting !== undefined) deployments.set(waiting.id, change);
      targetState.pause(this.targetId, `rolled back to deployment ${source.id}`);
      return waiting?.id ?? deployments.insert(this.targetId, { trigger: 'rollback', ...change });
    });
    this.logger.log({
      msg: `rollback to deployment ${source.id} requested${this.forTarget()}: deployment ${deploymentId}; the target is paused`,
      target: this.targetId,
      deployment: deploymentId,
    });
    this.start();
    return deploymentId;
  }

  /** Pushes are still recorded but wait; a running deployment finishes. Already paused: unchanged. */
  async pauseDeploys(reason: string): Promise<TargetState> {
    if (!this.accepting) throw new ShuttingDownError();
    const { targetState } = this.deps;
    const state = await this.recorded(() => {
      const now = targetState.get(this.targetId);
      return now.paused ? now : targetState.pause(this.targetId, reason);
    });
    this.logger.log({ msg: `target ${this.targetId} paused: ${state.pausedReason ?? reason}`, target: this.targetId });
    return state;
  }

  /** Deploys what waits (the newest push) from now on. */
  async resumeDeploys(): Promise<TargetState> {
    if (!this.accepting) throw new ShuttingDownError();
    const state = await this.recorded(() => this.deps.targetState.resume(this.targetId));
    this.logger.log({ msg: `target ${this.targetId} resumed`, target: this.targetId });
    this.start();
    return state;
  }

  private insertHosts(deploymentId: number): void {
    const fleet = this.current()?.fleet;
    if (fleet !== undefined) this.deps.hosts.insertAll(deploymentId, fleet.hosts);
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
      const { deployments } = this.deps;
      for (const waiting of [deployments.waitingRollback(this.targetId), deployments.nextQueued(this.targetId)]) {
        if (!waiting) continue;
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
    const { workTrees, slots } = this.deps;
    // At shutdown the loop stops before the next deployment; it stays queued in the store.
    let afterAnother = false;
    while (this.accepting) {
      const planned = this.current();
      if (planned === undefined || this.nextToRun(planned) === undefined) return;
      // The work tree first, then a slot: a deploy waiting for another target's deploy on
      // the same tree must not hold a slot the other targets could use. A fleet's rollout
      // only waits for its agents: it takes no slot, and locks its target, not a tree.
      const unlock = await workTrees.acquire(planned.fleet ? `fleet:${this.targetId}` : planned.repoPath);
      try {
        const release = planned.fleet ? () => undefined : await slots.acquire();
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
    const next = this.nextToRun(target);
    if (!next) return 'none';
    try {
      if (target.fleet) await this.deps.fleet.run(target, next);
      else await this.deps.runner.run(target, next, afterAnother);
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
   * What runs next. For a fleet target first a deployment still `running`: this worker runs
   * one deployment at a time, so a running one it finds was left by a hub that died
   * mid-rollout, and it resumes. Then a waiting rollback, even while paused (it is what the
   * pause protects); then, unless paused, the waiting push deployment.
   */
  private nextToRun(target: Target): DeploymentSummary | undefined {
    const { deployments, targetState } = this.deps;
    if (target.fleet) {
      const [interrupted] = deployments.running(this.targetId);
      if (interrupted) return interrupted;
    }
    const rollback = deployments.waitingRollback(this.targetId);
    if (rollback !== undefined) return rollback;
    return targetState.isPaused(this.targetId) ? undefined : deployments.nextQueued(this.targetId);
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
