import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { TargetRegistry } from '../targets/target-registry.js';
import type { HookRequest } from './hook-request.js';

/** `/hooks/<id>` with an optional trailing slash; the id is matched as sent (ids are lower case). */
const HOOK_PATH = /^\/hooks\/([^/]+)\/?$/i;

/**
 * Finds the request's target before a byte of its body is read: an unknown id is a 404
 * that costs nothing (the body is never read; the connection is closed instead). The
 * registry is asked at each request, so a SIGHUP reload applies to the next delivery.
 */
@Injectable()
export class TargetLookupMiddleware implements NestMiddleware {
  constructor(@Inject(TargetRegistry) private readonly registry: TargetRegistry) {}

  use(req: Request & HookRequest, res: Response, next: NextFunction): void {
    // A WEBHOOK_PATH of the form /hooks/<name> (allowed before targets existed) matches both
    // routes, so both routes' middleware run: the first one decides.
    if (req.hookTarget !== undefined) return next();
    const path = req.originalUrl.split('?', 1)[0]!;
    const hook = HOOK_PATH.exec(path);
    const atWebhookPath = this.registry.webhookPath !== undefined && trimSlash(path) === this.registry.webhookPath;
    const target = hook && !atWebhookPath ? this.registry.get(safeDecode(hook[1]!)) : this.registry.atWebhookPath();
    if (target === undefined) {
      res.setHeader('Connection', 'close');
      res.status(404).json({ error: hook ? 'no such target' : 'not found' });
      return;
    }
    req.hookTarget = target;
    next();
  }
}

function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
