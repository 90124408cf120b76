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
    const path = req.originalUrl.split('?', 1)[0]!;
    const hook = HOOK_PATH.exec(path);
    const target = hook ? this.registry.get(safeDecode(hook[1]!)) : this.registry.atWebhookPath();
    if (target === undefined) {
      res.setHeader('Connection', 'close');
      res.status(404).json({ error: hook ? 'no such target' : 'not found' });
      return;
    }
    req.hookTarget = target;
    next();
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
