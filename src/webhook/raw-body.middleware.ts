import { Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { BodyTooLargeError, readRawBody, type RawBodyRequest } from './raw-body.js';

/** Puts the request's bytes on `req.rawBody` for the SignatureGuard; answers 413 past 25 MiB. */
@Injectable()
export class RawBodyMiddleware implements NestMiddleware {
  private readonly logger = new Logger('Webhook');

  use(req: Request & RawBodyRequest, res: Response, next: NextFunction): void {
    readRawBody(req).then(
      (body) => {
        req.rawBody = body;
        next();
      },
      (error: unknown) => {
        const tooLarge = error instanceof BodyTooLargeError;
        const delivery = req.headers['x-github-delivery'] ?? '-';
        this.logger.warn(
          `delivery ${String(delivery)}: ${tooLarge ? 'body over 25 MiB refused' : 'body not received'}`,
        );
        // The rest of an oversized body is not read: closing the connection is cheaper.
        res.setHeader('Connection', 'close');
        res
          .status(tooLarge ? 413 : 400)
          .json({ error: tooLarge ? 'payload larger than 25 MiB' : 'request body could not be read' });
      },
    );
  }
}
