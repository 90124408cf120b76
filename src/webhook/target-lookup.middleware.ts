import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Target } from '../domain/target.js';
import { TargetRegistry } from '../targets/target-registry.js';
import type { HookRequest } from './hook-request.js';
import { RawBodyMiddleware } from './raw-body.middleware.js';

/** `/hooks/<id>` with an optional trailing slash; the id is matched as sent (ids are lower case). */
const HOOK_PATH = /^\/hooks\/([^/]+)\/?$/i;

/**
 * A webhook request's intake, in one middleware (every Express layer costs each request a
 * URL parse and a match): find its target before a byte of the body is read (an unknown
 * one is a 404 that costs nothing: the body is never read, the connection is closed),
 * then read the body (RawBodyMiddleware). The registry is asked at each request, so a
 * SIGHUP reload applies to the next delivery.
 */
abstract class WebhookIntake implements NestMiddleware {
  constructor(
    protected readonly registry: TargetRegistry,
    private readonly body: RawBodyMiddleware,
  ) {}

  protected abstract find(req: Request): Target | undefined;

  use(req: Request & HookRequest, res: Response, next: NextFunction): void {
    // A WEBHOOK_PATH of the form /hooks/<name> (allowed before targets existed) matches both
    // routes, so both routes' intakes run: the first one decides, the second reads nothing.
    if (req.hookTarget !== undefined) return next();
    const target = this.find(req);
    if (target === undefined) {
      res.setHeader('Connection', 'close');
      res.status(404).json({ error: 'no such target' });
      return;
    }
    req.hookTarget = target;
    this.body.use(req, res, next);
  }
}

/** `POST /hooks/<id>`: the target named in the path. */
@Injectable()
export class HookTargetMiddleware extends WebhookIntake {
  constructor(@Inject(TargetRegistry) registry: TargetRegistry, @Inject(RawBodyMiddleware) body: RawBodyMiddleware) {
    super(registry, body);
  }

  protected find(req: Request): Target | undefined {
    const path = req.originalUrl.split('?', 1)[0]!;
    if (this.registry.webhookPath !== undefined && trimSlash(path) === this.registry.webhookPath) {
      return this.registry.atWebhookPath();
    }
    const hook = HOOK_PATH.exec(path);
    return hook ? this.registry.get(safeDecode(hook[1]!)) : undefined;
  }
}

/** `POST $WEBHOOK_PATH` (env-only mode): the `default` target, with no path to parse. */
@Injectable()
export class WebhookPathTargetMiddleware extends WebhookIntake {
  constructor(@Inject(TargetRegistry) registry: TargetRegistry, @Inject(RawBodyMiddleware) body: RawBodyMiddleware) {
    super(registry, body);
  }

  protected find(): Target | undefined {
    return this.registry.atWebhookPath();
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
