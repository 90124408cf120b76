import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Acceptance } from '../deploy/deploy-queue.js';
import { DEFAULT_TARGET_ID } from '../domain/target.js';
import { Metrics } from '../observability/metrics.js';
import { DeliveryJournal, type SeenDelivery } from './delivery-journal.js';

/**
 * The one place a signed delivery's outcome is recorded: its log line, its journal row
 * (on disk before the answer) and its metric, the same way for every outcome. An accepted
 * push is journaled by the queue, in the transaction that queues it.
 */
@Injectable()
export class DeliveryOutcomes {
  private readonly logger = new Logger('Webhook');

  constructor(
    @Inject(DeliveryJournal) private readonly journal: DeliveryJournal,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {}

  async pong(seen: SeenDelivery): Promise<void> {
    this.logger.log({ msg: `${tag(seen)}: ping`, delivery: seen.id, target: seen.target });
    await this.journal.answered(seen, 'pong');
    this.metrics.delivery(seen.target, seen.event, 'pong');
  }

  async ignored(seen: SeenDelivery, reason: string): Promise<void> {
    this.logger.log({ msg: `${tag(seen)}: ignored, ${reason}`, delivery: seen.id, target: seen.target });
    await this.journal.answered(seen, 'ignored', reason);
    this.metrics.delivery(seen.target, seen.event, 'ignored');
  }

  /** Signed, but not a delivery hookdeploy can read (415, 400). */
  async rejected(seen: SeenDelivery, status: number, reason: string): Promise<void> {
    this.logger.warn({ msg: `${tag(seen)}: ${reason}`, delivery: seen.id, target: seen.target });
    await this.journal.rejected(seen, status, reason);
    this.metrics.delivery(seen.target, seen.event, 'rejected');
  }

  accepted(seen: SeenDelivery, acceptance: Acceptance): void {
    this.metrics.delivery(seen.target, seen.event, acceptance.status);
    if (acceptance.status === 'duplicate') {
      this.logger.log({
        msg: `${tag(seen)}: duplicate of deployment ${acceptance.deploymentId}`,
        delivery: seen.id,
        target: seen.target,
        deployment: acceptance.deploymentId,
      });
    }
  }

  /** 503: shutting down, or the database refused the write. Nothing is journaled: nothing was. */
  notAccepted(seen: SeenDelivery, message: string): void {
    this.logger.warn({ msg: `${tag(seen)}: not accepted (503), ${message}`, delivery: seen.id, target: seen.target });
  }

  /** No delivery id header: hookdeploy made one up, so a redelivery cannot be recognized. */
  generatedId(seen: SeenDelivery, header: string): void {
    this.logger.warn({
      msg: `${tag(seen)}: no ${header} header, id generated`,
      delivery: seen.id,
      target: seen.target,
    });
  }
}

/**
 * "delivery abc for site": every line about a delivery names it and its target; env-only
 * mode's lines stay as they were ("delivery abc"), its one target goes without saying.
 */
export function tag(seen: Pick<SeenDelivery, 'id' | 'target'>): string {
  return seen.target === DEFAULT_TARGET_ID ? `delivery ${seen.id}` : `delivery ${seen.id} for ${seen.target}`;
}
