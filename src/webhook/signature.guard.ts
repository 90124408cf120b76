import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { httpError } from '../common/http-error.js';
import { WebhookRefusals } from '../observability/webhook-refusals.js';
import type { RawBodyRequest } from './raw-body.js';
import { verifySignature } from './verify-signature.js';

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Lets a delivery through only when GitHub's HMAC over its raw bytes is right. */
@Injectable()
export class SignatureGuard implements CanActivate {
  private readonly secret: string;

  constructor(
    @Inject(ConfigService) config: ConfigService<AppConfig, true>,
    @Inject(WebhookRefusals) private readonly refusals: WebhookRefusals,
  ) {
    this.secret = config.get('githubSecret', { infer: true });
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<RawBodyRequest>();
    const result = verifySignature(this.secret, req.rawBody ?? Buffer.alloc(0), {
      sha256: header(req.headers['x-hub-signature-256']),
      sha1: header(req.headers['x-hub-signature']),
    });
    if (result.valid) return true;
    // Counted, and logged at most once per 10 s: anyone can send these as fast as they like.
    this.refusals.badSignature(header(req.headers['x-github-delivery']), result.reason);
    throw httpError(401, result.reason);
  }
}
