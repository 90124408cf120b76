import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { WebhookRefusals } from '../observability/webhook-refusals.js';
import { BodyTooLargeError, readRawBody, type RawBodyRequest } from './raw-body.js';

/** Puts the request's bytes on `req.rawBody` for the SignatureGuard; answers 413 past 25 MiB. */
@Injectable()
export class RawBodyMiddleware implements NestMiddleware {
  constructor(@Inject(WebhookRefusals) private readonly refusals: WebhookRefusals) {}

  use(req: Request & RawBodyRequest, res: Response, next: NextFunction): void {
    readRawBody(req).then(
      (body) => {
        req.rawBody = body;
        next();
      },
      (error: unknown) => {
        const tooLarge = error instanceof BodyTooLargeError;
        // Counted, and logged at most once per 10 s: anyone can send these as fast as they like.
        const delivery = req.headers['x-github-delivery'];
        this.refusals.unreadableBody(Array.isArray(delivery) ? delivery[0] : delivery, tooLarge);
        // The rest of an oversized body is not read: closing the connection is cheaper.
        res.setHeader('Connection', 'close');
        res
          .status(tooLarge ? 413 : 400)
          .json({ error: tooLarge ? 'payload larger than 25 MiB' : 'request body could not be read' });
      },
    );
  }
}
