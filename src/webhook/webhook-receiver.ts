import { Inject, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { finished } from 'node:stream/promises';
import { httpError } from '../common/http-error.js';
import { DeployQueue, NotAcceptedError, UnknownTargetError } from '../deploy/deploy-queue.js';
import type { Target } from '../domain/target.js';
import { decide } from '../forges/decide.js';
import { forgeAdapter } from '../forges/forges.js';
import type { SeenDelivery } from './delivery-journal.js';
import { DeliveryOutcomes } from './delivery-outcomes.js';
import { DeliveryError, deliveryIdOf } from './delivery.js';
import { parseDeliveryOffThread } from './parse-off-thread.js';

export type WebhookAnswer =
  | { status: 'pong' }
  | { status: 'ignored'; reason: string }
  | { status: 'duplicate'; deploymentId: number }
  | { status: 'queued'; deploymentId: number; delivery: string };

/**
 * What follows a verified request, for any target and forge: read it (415/400), let the
 * forge say what it means, decide for the target, queue it, answer. Answers before any
 * git work starts: GitHub abandons a delivery after 10 seconds, GitLab after 10 too.
 */
@Injectable()
export class WebhookReceiver {
  constructor(
    @Inject(DeployQueue) private readonly queue: DeployQueue,
    @Inject(DeliveryOutcomes) private readonly outcomes: DeliveryOutcomes,
  ) {}

  async receive(target: Target, headers: Parameters<typeof deliveryIdOf>[0], body: Buffer, res: Response) {
    const receivedAt = new Date().toISOString();
    const forge = forgeAdapter(target.forge);
    let delivery;
    try {
      delivery = await parseDeliveryOffThread(headers, body, forge);
    } catch (error) {
      if (!(error instanceof DeliveryError)) throw error;
      const seen = {
        target: target.id,
        id: deliveryIdOf(headers, forge).id,
        event: forge.event(headers) ?? null,
        receivedAt,
      };
      await this.outcomes.rejected(seen, error.status, error.message);
      throw httpError(error.status, error.message);
    }
    const seen: SeenDelivery = { target: target.id, id: delivery.id, event: delivery.event, receivedAt };
    if (delivery.generatedId) this.outcomes.generatedId(seen, forge.deliveryIdHeader);

    const decision = decide(forge.normalize(delivery.event, delivery.payload), target);
    switch (decision.kind) {
      case 'pong':
        await this.outcomes.pong(seen);
        return { status: 'pong' } satisfies WebhookAnswer;
      case 'ignored':
        await this.outcomes.ignored(seen, decision.reason);
        return { status: 'ignored', reason: decision.reason } satisfies WebhookAnswer;
      case 'invalid':
        await this.outcomes.rejected(seen, 400, decision.reason);
        throw httpError(400, decision.reason);
      case 'deploy': {
        const { push } = decision;
        let acceptance;
        try {
          acceptance = await this.queue.accept(
            target,
            { deliveryId: delivery.id, event: delivery.event, receivedAt, ref: push.ref, sha: push.after },
            // The deploy starts after the answer is written, not before (see TargetQueue.accept);
            // a client gone meanwhile changes nothing (accept() ignores a failed answer).
            finished(res),
          );
        } catch (error) {
          if (error instanceof UnknownTargetError) throw httpError(404, error.message);
          if (!(error instanceof NotAcceptedError)) throw error;
          this.outcomes.notAccepted(seen, error.message);
          throw httpError(503, error.message);
        }
        this.outcomes.accepted(seen, acceptance);
        if (acceptance.status === 'duplicate') {
          return { status: 'duplicate', deploymentId: acceptance.deploymentId } satisfies WebhookAnswer;
        }
        res.status(202);
        return {
          status: 'queued',
          deploymentId: acceptance.deploymentId,
          delivery: delivery.id,
        } satisfies WebhookAnswer;
      }
    }
  }
}
