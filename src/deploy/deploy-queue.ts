import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { ServiceConfig } from '../config/service-config.js';
import type { Target } from '../domain/target.js';
import { DeliveriesStore } from '../storage/deliveries.store.js';
import { DeploymentsStore } from '../storage/deployments.store.js';
import { DeploymentHostsStore } from '../storage/deployment-hosts.store.js';
import { FleetRollouts } from '../fleet/fleet-rollout.js';
import { GroupCommit } from '../storage/group-commit.js';
import { Retention } from '../storage/retention.js';
import { TargetStateStore } from '../storage/target-state.store.js';
import type { DeploymentSummary } from '../domain/deployment.js';
import type { TargetState } from '../domain/target-state.js';
import { DeploySlots } from '../targets/deploy-slots.js';
import { TargetRegistry, type TargetChange } from '../targets/target-registry.js';
import { WorkTreeLocks } from '../targets/work-tree-locks.js';
import { NotAcceptedError, ShuttingDownError, type Acceptance, type PushRequest } from './acceptance.js';
import { DeployRunner } from './deploy-runner.js';
import { DeploymentRecovery } from './deployment-recovery.js';
import { TargetQueue, type TargetQueueDeps } from './target-queue.js';

export {
  NotAcceptedError,
  NotRecordedError,
  ShuttingDownError,
  TargetPausedError,
  type Acceptance,
  type PushRequest,
} from './acceptance.js';

const PRUNE_INTERVAL_MS = 10 * 60_000;

/** A target that is not (or no longer) configured: the caller answers 404. */
export class UnknownTargetError extends NotAcceptedError {}

/**
 * Every target's queue (target-queue.ts): one deploy at a time per target, up to
 * MAX_PARALLEL_DEPLOYS targets at once. Follows the registry: a target a reload adds
 * gets a queue (after its own crash recovery), a removed one stops taking deliveries
 * while its running deploy finishes.
 */
@Injectable()
export class DeployQueue implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Deploy');
  private readonly queues = new Map<string, TargetQueue>();
  /** Queues of removed targets whose last deployment still runs: shutdown waits for them too. */
  private readonly retired = new Set<TargetQueue>();
  private readonly deps: TargetQueueDeps;
  private pruneTimer: NodeJS.Timeout | undefined;
  /** The boot's or the timer's prune while it runs (in batches, between requests): never two at once. */
  private pruning: Promise<void> | undefined;
  private accepting = true;

  constructor(
    @Inject(DeploymentsStore) deployments: DeploymentsStore,
    @Inject(DeliveriesStore) deliveries: DeliveriesStore,
    @Inject(Retention) private readonly retention: Retention,
    @Inject(DeployRunner) private readonly runner: DeployRunner,
    @Inject(DeploymentRecovery) private readonly recovery: DeploymentRecovery,
    @Inject(GroupCommit) commits: GroupCommit,
    @Inject(TargetRegistry) private readonly registry: TargetRegistry,
    @Inject(ConfigService) config: ConfigService<ServiceConfig, true>,
    @Inject(TargetStateStore) targetState: TargetStateStore,
    @Inject(FleetRollouts) private readonly fleet: FleetRollouts,
    @Inject(DeploymentHostsStore) hosts: DeploymentHostsStore,
  ) {
    this.deps = {
      deployments,
      deliveries,
      retention,
      runner,
      fleet,
      hosts,
      commits,
      slots: new DeploySlots(config.get('maxParallelDeploys', { infer: true })),
      workTrees: new WorkTreeLocks(),
      historyLimit: config.get('historyLimit', { infer: true }),
      targetState,
    };
  }

  /**
   * Before the server listens: settle what a previous process left, then resume every
   * queue. The first prune starts here and goes on while the server answers (a backlog of
   * a million rows takes seconds, in batches that each hold the event loop a few ms).
   */
  async onApplicationBootstrap(): Promise<void> {
    for (const target of this.registry.all()) await this.open(target);
    this.pruneAll();
    // Ignored deliveries keep arriving when nothing deploys; they are pruned on a timer too.
    this.pruneTimer = setInterval(() => this.pruneAll(), PRUNE_INTERVAL_MS).unref();
    this.registry.onChange((change) => void this.follow(change));
  }

  /** Records a push for `target`; its deploy starts once `answered` settles. See TargetQueue.accept(). */
  accept(target: Target, push: PushRequest, answered?: Promise<unknown>): Promise<Acceptance> {
    return this.queueOf(target.id).accept(push, answered);
  }

  /** "Deploy now" for a target; see TargetQueue.requestManual(). */
  requestManual(target: Target): Promise<number> {
    return this.queueOf(target.id).requestManual(target.branch);
  }

  /** A rollback of `target` to `source` (checked by the caller: see rollback-check.ts); pauses the target. */
  requestRollback(target: Target, source: DeploymentSummary & { headAfter: string }): Promise<number> {
    return this.queueOf(target.id).requestRollback(source);
  }

  /** See TargetQueue.pauseDeploys(). */
  pause(target: Target, reason: string): Promise<TargetState> {
    return this.queueOf(target.id).pauseDeploys(reason);
  }

  /** See TargetQueue.resumeDeploys(). */
  resume(target: Target): Promise<TargetState> {
    return this.queueOf(target.id).resumeDeploys();
  }

  /** Resolves when no deployment of any target runs (tests and shutdown wait on it). */
  async idle(): Promise<void> {
    const all = (): TargetQueue[] => [...this.queues.values(), ...this.retired];
    while (all().some((queue) => queue.running)) await Promise.all(all().map((queue) => queue.idle()));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.accepting = false;
    this.runner.beginShutdown();
    this.fleet.beginShutdown();
    clearInterval(this.pruneTimer);
    // Every prune under way (the boot's, the timer's, the targets') ends after its batch.
    await this.retention.stop();
    await this.pruning;
    for (const queue of this.queues.values()) queue.stop();
    if ([...this.queues.values(), ...this.retired].some((queue) => queue.running)) {
      this.logger.log('shutting down: waiting for the running deployments to finish');
      await this.idle();
    }
    for (const queue of this.queues.values()) queue.reportLeftBehind();
  }

  private queueOf(id: string): TargetQueue {
    if (!this.accepting) throw new ShuttingDownError();
    const queue = this.queues.get(id);
    if (queue === undefined) throw new UnknownTargetError(`no target "${id}"`);
    return queue;
  }

  /** A target's crash recovery, then its queue, resumed. */
  private async open(target: Target): Promise<void> {
    // A fleet target has no work tree here: its worker resumes an interrupted rollout itself.
    if (target.fleet === undefined) await this.recovery.recover(target);
    const queue = new TargetQueue(target.id, () => this.registry.get(target.id), this.deps);
    this.queues.set(target.id, queue);
    queue.start();
  }

  private async follow(change: TargetChange): Promise<void> {
    for (const target of change.removed) {
      // Deliveries now get 404 from the registry; a running deploy finishes, a queued one waits for its return.
      const queue = this.queues.get(target.id);
      if (queue === undefined) continue;
      queue.stop();
      this.queues.delete(target.id);
      this.retired.add(queue);
      void queue.idle().then(() => {
        if (!queue.running) this.retired.delete(queue);
      });
    }
    for (const target of change.added) {
      if (!this.accepting) return;
      // Added back before its last deploy ended: that deploy is live, not a crash to recover from.
      const back = [...this.retired].find((queue) => queue.targetId === target.id && queue.running);
      if (back !== undefined) {
        this.retired.delete(back);
        this.queues.set(target.id, back);
        back.resume();
        continue;
      }
      await this.open(target).catch((error: unknown) =>
        this.logger.error(`target ${target.id}: could not start its queue: ${(error as Error).message}`),
      );
    }
  }

  private pruneAll(): void {
    this.pruning ??= this.retention
      .pruneAll(this.deps.historyLimit)
      .then(
        (pruned) => {
          if (pruned > 0) this.logger.log(`history: pruned ${pruned} deployment(s) beyond HISTORY_LIMIT`);
        },
        (error: unknown) => this.logger.error(`history: pruning failed: ${(error as Error).message}`),
      )
      .finally(() => {
        this.pruning = undefined;
      });
  }
}
