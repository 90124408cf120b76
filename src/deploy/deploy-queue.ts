import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { DeployRunner } from './deploy-runner.js';
import { DeploymentStore } from './deployment.store.js';

export interface PushRequest {
  deliveryId: string;
  ref: string;
  /** The pushed `after`. */
  sha: string;
}

export type Acceptance = { status: 'queued' | 'duplicate'; deploymentId: number };

export class ShuttingDownError extends Error {
  constructor() {
    super('hookdeploy is shutting down; deliver again once it is back');
  }
}

/**
 * One deploy at a time for the one work tree. A push that arrives while a deploy
 * runs joins the single waiting deployment (created on demand), which then targets
 * the newest pushed commit: a burst of N pushes costs at most two deploys.
 */
@Injectable()
export class DeployQueue implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Deploy');
  private worker: Promise<void> | undefined;
  private accepting = true;

  constructor(
    @Inject(DeploymentStore) private readonly store: DeploymentStore,
    @Inject(DeployRunner) private readonly runner: DeployRunner,
  ) {}

  /** Synchronous, so deduplication and coalescing never interleave with another delivery. */
  accept(push: PushRequest): Acceptance {
    if (!this.accepting) throw new ShuttingDownError();
    const covering = this.store.findByDelivery(push.deliveryId);
    if (covering) return { status: 'duplicate', deploymentId: covering.id };

    const waiting = this.store.nextQueued();
    if (waiting) {
      this.store.update(waiting.id, {
        deliveries: [...waiting.deliveries, push.deliveryId],
        ref: push.ref,
        requestedSha: push.sha,
      });
      this.logger.log(`delivery ${push.deliveryId}: joined waiting deployment ${waiting.id}`);
      return { status: 'queued', deploymentId: waiting.id };
    }
    const created = this.store.create({
      trigger: 'push',
      deliveries: [push.deliveryId],
      ref: push.ref,
      requestedSha: push.sha,
    });
    this.logger.log(`delivery ${push.deliveryId}: queued as deployment ${created.id}`);
    this.startWorker();
    return { status: 'queued', deploymentId: created.id };
  }

  /** Resolves when no deployment runs (tests and shutdown wait on it). */
  async idle(): Promise<void> {
    while (this.worker) await this.worker;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.accepting = false;
    if (this.worker) {
      this.logger.log('shutting down: waiting for the running deployment to finish');
      await this.idle();
    }
    const waiting = this.store.nextQueued();
    if (waiting) {
      // These deliveries were answered 202 and GitHub will not send them again by itself.
      this.logger.warn(
        `deployment ${waiting.id} (deliveries ${waiting.deliveries.join(', ')}) was waiting and did not run; ` +
          `push again or redeliver one of them once hookdeploy is back`,
      );
    }
  }

  private startWorker(): void {
    this.worker ??= this.work().finally(() => {
      this.worker = undefined;
    });
  }

  private async work(): Promise<void> {
    // At shutdown the loop stops before the next deployment; it stays queued in the store.
    for (let next = this.store.nextQueued(); next && this.accepting; next = this.store.nextQueued()) {
      try {
        await this.runner.run(next);
      } catch (error) {
        // run() records its own failures; reaching here means the store itself failed.
        this.logger.error(`deployment ${next.id}: could not be recorded: ${(error as Error).message}`);
        return;
      }
    }
  }
}
