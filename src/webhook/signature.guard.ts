import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { httpError } from '../common/http-error.js';
import { forgeAdapter } from '../forges/forges.js';
import { Metrics } from '../observability/metrics.js';
import { WebhookRefusals } from '../observability/webhook-refusals.js';
import { hookTargetOf, type HookRequest } from './hook-request.js';

/**
 * Lets a delivery through only when it proves itself the way its target's forge signs
 * (an HMAC over the raw bytes, or GitLab's token), with any of the target's secrets.
 */
@Injectable()
export class SignatureGuard implements CanActivate {
  constructor(
    @Inject(WebhookRefusals) private readonly refusals: WebhookRefusals,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<HookRequest>();
    const target = hookTargetOf(req);
    const forge = forgeAdapter(target.forge);
    const result = forge.verify(req.headers, req.rawBody ?? Buffer.alloc(0), target.secrets, new Date());
    if (result.valid) {
      // Which secret matched: once the old one stops showing up, it can be removed.
      this.metrics.secretMatched(target.id, result.secretIndex);
      return true;
    }
    // Counted, and logged at most once per 10 s: anyone can send these as fast as they like.
    this.refusals.badSignature(target.id, forge.deliveryId(req.headers), result.reason);
    throw httpError(401, result.reason);
  }
}
