import { Inject, Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { httpError } from '../common/http-error.js';
import type { RawBodyRequest } from './raw-body.js';
import { verifySignature } from './verify-signature.js';

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Lets a delivery through only when GitHub's HMAC over its raw bytes is right. */
@Injectable()
export class SignatureGuard implements CanActivate {
  private readonly logger = new Logger('Webhook');
  private readonly secret: string;

  constructor(@Inject(ConfigService) config: ConfigService<AppConfig, true>) {
    this.secret = config.get('githubSecret', { infer: true });
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<RawBodyRequest>();
    const result = verifySignature(this.secret, req.rawBody ?? Buffer.alloc(0), {
      sha256: header(req.headers['x-hub-signature-256']),
      sha1: header(req.headers['x-hub-signature']),
    });
    if (result.valid) return true;
    this.logger.warn(`delivery ${header(req.headers['x-github-delivery']) ?? '-'}: rejected, ${result.reason}`);
    throw httpError(401, result.reason);
  }
}
