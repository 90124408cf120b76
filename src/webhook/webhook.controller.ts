import { Controller, HttpCode, Inject, Logger, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Response } from 'express';
import type { AppConfig } from '../config/app-config.js';
import { headerValue } from '../common/headers.js';
import { httpError } from '../common/http-error.js';
import { DeployQueue, NotAcceptedError } from '../deploy/deploy-queue.js';
import { Metrics } from '../observability/metrics.js';
import { DeliveryJournal } from './delivery-journal.js';
import { DeliveryError, deliveryIdOf } from './delivery.js';
import { parseDeliveryOffThread } from './parse-off-thread.js';
import { decide, type DeployTarget } from './push-filter.js';
import type { RawBodyRequest } from './raw-body.js';
import { SignatureGuard } from './signature.guard.js';

/** The path comes from WEBHOOK_PATH through the RouterModule. */
@Controller()
export class WebhookController {
  private readonly logger = new Logger('Webhook');
  private readonly target: DeployTarget;

  constructor(
    @Inject(DeployQueue) private readonly queue: DeployQueue,
    @Inject(DeliveryJournal) private readonly journal: DeliveryJournal,
    @Inject(ConfigService) config: ConfigService<AppConfig, true>,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {
    this.target = {
      branch: config.get('deployBranch', { infer: true }),
      repository: config.get('deployRepository', { infer: true }),
    };
  }

  // Answers before any git work starts: GitHub abandons a delivery after 10 seconds.
  @Post()
  @HttpCode(200)
  @UseGuards(SignatureGuard)
  async receive(@Req() req: RawBodyRequest, @Res({ passthrough: true }) res: Response): Promise<object> {
    const receivedAt = new Date().toISOString();
    let delivery;
    try {
      delivery = await parseDeliveryOffThread(req.headers, req.rawBody ?? Buffer.alloc(0));
    } catch (error) {
      if (!(error instanceof DeliveryError)) throw error;
      const { id } = deliveryIdOf(req.headers);
      this.logger.warn({ msg: `delivery ${id}: ${error.message}`, delivery: id });
      const event = headerValue(req.headers, 'x-github-event') ?? null;
      await this.journal.rejected({ id, event, receivedAt }, error.status, error.message);
      this.metrics.delivery(event, 'rejected');
      throw httpError(error.status, error.message);
    }
    const tag = `delivery ${delivery.id}`;
    const id = delivery.id;
    if (delivery.generatedId) {
      this.logger.warn({ msg: `${tag}: no X-GitHub-Delivery header, id generated`, delivery: id });
    }
    const seen = { id: delivery.id, event: delivery.event, receivedAt };

    const decision = decide(delivery.event, delivery.payload, this.target);
    switch (decision.kind) {
      case 'pong':
        this.logger.log({ msg: `${tag}: ping`, delivery: id });
        await this.journal.answered(seen, 'pong');
        this.metrics.delivery(delivery.event, 'pong');
        return { status: 'pong' };
      case 'ignored':
        this.logger.log({ msg: `${tag}: ignored, ${decision.reason}`, delivery: id });
        await this.journal.answered(seen, 'ignored', decision.reason);
        this.metrics.delivery(delivery.event, 'ignored');
        return { status: 'ignored', reason: decision.reason };
      case 'invalid':
        this.logger.warn({ msg: `${tag}: ${decision.reason}`, delivery: id });
        await this.journal.rejected(seen, 400, decision.reason);
        this.metrics.delivery(delivery.event, 'rejected');
        throw httpError(400, decision.reason);
      case 'deploy': {
        const { push } = decision;
        let acceptance;
        try {
          acceptance = await this.queue.accept({
            deliveryId: delivery.id,
            event: delivery.event,
            receivedAt,
            ref: push.ref,
            sha: push.after,
          });
        } catch (error) {
          if (error instanceof NotAcceptedError) {
            this.logger.warn({ msg: `${tag}: not accepted (503), ${error.message}`, delivery: id });
            throw httpError(503, error.message);
          }
          throw error;
        }
        this.metrics.delivery(delivery.event, acceptance.status);
        if (acceptance.status === 'duplicate') {
          this.logger.log({
            msg: `${tag}: duplicate of deployment ${acceptance.deploymentId}`,
            delivery: id,
            deployment: acceptance.deploymentId,
          });
          return { status: 'duplicate', deploymentId: acceptance.deploymentId };
        }
        res.status(202);
        return { status: 'queued', deploymentId: acceptance.deploymentId, delivery: delivery.id };
      }
    }
  }
}
