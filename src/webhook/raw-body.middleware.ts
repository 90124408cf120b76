import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { WebhookRefusals } from '../observability/webhook-refusals.js';
import { BodyBudget } from '../common/body-budget.js';
import { forgeAdapter } from '../forges/forges.js';
import { hookTargetOf, type HookRequest } from './hook-request.js';
import { BodyBudgetExceededError, BodyTooLargeError, readRawBody } from '../common/raw-body.js';

/** Bodies in flight are answered within seconds, or cut off at REQUEST_TIMEOUT. */
export const BUDGET_RETRY_AFTER_SECONDS = 5;

/**
 * Puts the request's bytes on `req.rawBody` for the SignatureGuard; answers 413 past
 * 25 MiB, and 503 when the body does not fit into the WEBHOOK_BODY_BUDGET.
 */
@Injectable()
export class RawBodyMiddleware implements NestMiddleware {
  constructor(
    @Inject(WebhookRefusals) private readonly refusals: WebhookRefusals,
    @Inject(BodyBudget) private readonly budget: BodyBudget,
  ) {}

  use(req: Request & HookRequest, res: Response, next: NextFunction): void {
    // Already read by the other webhook route's middleware (a WEBHOOK_PATH under /hooks/).
    if (req.rawBody !== undefined) return next();
    // The body is held until its answer is sent (or the client is gone), parsing included.
    const reservation = this.budget.open();
    res.once('close', () => reservation.release());
    readRawBody(req, undefined, reservation).then(
      (body) => {
        req.rawBody = body;
        next();
      },
      (error: unknown) => {
        const target = hookTargetOf(req);
        const id = forgeAdapter(target.forge).deliveryId(req.headers);
        // The rest of a refused body is not read: closing the connection is cheaper.
        res.setHeader('Connection', 'close');
        // Counted, and logged at most once per 10 s: anyone can send these as fast as they like.
        if (error instanceof BodyBudgetExceededError) {
          this.refusals.overBudget(target.id, id);
          res.setHeader('Retry-After', String(BUDGET_RETRY_AFTER_SECONDS));
          res.status(503).json({ error: 'too many webhook bodies in flight; send it again later' });
          return;
        }
        const tooLarge = error instanceof BodyTooLargeError;
        this.refusals.unreadableBody(target.id, id, tooLarge);
        res
          .status(tooLarge ? 413 : 400)
          .json({ error: tooLarge ? 'payload larger than 25 MiB' : 'request body could not be read' });
      },
    );
  }
}
