import { Inject, Injectable, Logger } from '@nestjs/common';
import type { DeliveryOutcome } from '../domain/delivery-record.js';
import { DeliveriesStore } from '../storage/deliveries.store.js';
import { GroupCommit } from '../storage/group-commit.js';

export interface SeenDelivery {
  /** The target it was sent to. */
  target: string;
  id: string;
  event: string | null;
  receivedAt: string;
}

/**
 * Records the deliveries that passed the signature check but deploy nothing (pings,
 * ignored, rejected); accepted ones are recorded by the queue with their deployment.
 * Unsigned requests are never written: anyone can send those, as fast as they like.
 */
@Injectable()
export class DeliveryJournal {
  private readonly logger = new Logger('Webhook');

  constructor(
    @Inject(DeliveriesStore) private readonly deliveries: DeliveriesStore,
    @Inject(GroupCommit) private readonly commits: GroupCommit,
  ) {}

  answered(
    delivery: SeenDelivery,
    outcome: Extract<DeliveryOutcome, 'pong' | 'ignored'>,
    reason?: string,
  ): Promise<void> {
    return this.record(delivery, outcome, 200, reason ?? null);
  }

  rejected(delivery: SeenDelivery, statusCode: number, reason: string): Promise<void> {
    return this.record(delivery, 'rejected', statusCode, reason);
  }

  /**
   * Resolves once the row is on disk, so that GET /deliveries shows a delivery as soon as
   * it has been answered. The answer does not depend on the record: a failure is logged,
   * not sent to GitHub.
   */
  private async record(
    delivery: SeenDelivery,
    outcome: DeliveryOutcome,
    statusCode: number,
    reason: string | null,
  ): Promise<void> {
    const { target, ...seen } = delivery;
    const row = { ...seen, outcome, statusCode, reason, sha: null, deploymentId: null };
    try {
      await this.commits.run(() => this.deliveries.record(target, row));
    } catch (error) {
      this.logger.error({
        msg: `delivery ${delivery.id}: could not be recorded: ${(error as Error).message}`,
        delivery: delivery.id,
      });
    }
  }
}
