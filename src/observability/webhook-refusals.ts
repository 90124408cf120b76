import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { DEFAULT_TARGET_ID } from '../domain/target.js';
import { Metrics } from './metrics.js';
import { RefusalLog } from './refusal-log.js';

/**
 * What the webhook does with requests it refuses before reading them as deliveries:
 * anyone can send those, so they are counted and logged through a RefusalLog (one
 * line at once, then at most one summary per 10 s), never one line each.
 */
@Injectable()
export class WebhookRefusals implements OnApplicationShutdown {
  private readonly logger = new Logger('Webhook');
  private readonly signatures = new RefusalLog(this.logger, 'for bad signatures');
  private readonly bodies = new RefusalLog(this.logger, 'for bodies over 25 MiB or not received');
  private readonly busy = new RefusalLog(this.logger, 'for bodies over the WEBHOOK_BODY_BUDGET (503)');

  constructor(@Inject(Metrics) private readonly metrics: Metrics) {}

  /** A 401: `reason` says what is wrong with the signature, never its value. */
  badSignature(target: string, delivery: string | undefined, reason: string): void {
    this.metrics.signatureFailure(target);
    // Env-only mode's lines stay as they were: its one target goes without saying.
    this.signatures.refused(delivery, target === DEFAULT_TARGET_ID ? reason : `${target}: ${reason}`);
  }

  /** A 413 (over 25 MiB), or a body the client did not finish sending. */
  unreadableBody(target: string, delivery: string | undefined, tooLarge: boolean): void {
    if (tooLarge) this.metrics.deliveryTooLarge(target);
    this.bodies.refused(delivery, tooLarge ? 'body over 25 MiB' : 'body not received');
  }

  /** A 503: the body did not fit into what other bodies in flight left of the budget. */
  overBudget(target: string, delivery: string | undefined): void {
    this.metrics.deliveryOverBudget(target);
    this.busy.refused(delivery, 'webhook body budget exhausted');
  }

  /** The counts of the last window are logged, not lost. */
  onApplicationShutdown(): void {
    this.signatures.flush();
    this.bodies.flush();
    this.busy.flush();
  }
}
