import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request } from 'express';
import type { AppConfig } from '../config/app-config.js';
import { constantTimeEqual } from '../common/constant-time-equal.js';
import { httpError } from '../common/http-error.js';

/** The deployments API exists only with ADMIN_TOKEN set, and answers only to it. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly token: string | undefined;

  constructor(@Inject(ConfigService) config: ConfigService<AppConfig, true>) {
    this.token = config.get('adminToken', { infer: true });
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    // Disabled looks exactly like absent.
    if (this.token === undefined) throw httpError(404, `Cannot ${req.method} ${req.path}`);
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!match || !constantTimeEqual(match[1]!, this.token)) {
      throw httpError(401, 'a valid "Authorization: Bearer <ADMIN_TOKEN>" header is required');
    }
    return true;
  }
}
