import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request, Response } from 'express';
import type { ServiceConfig } from '../config/service-config.js';
import { constantTimeEqual } from '../common/constant-time-equal.js';
import { httpError, notFound } from '../common/http-error.js';
import { readCookie, SESSION_COOKIE } from './cookies.js';
import { clientAddress } from './client-address.js';
import { LoginThrottle } from './login-throttle.js';
import { csrfTokenFor, isValidSession } from './session-token.js';

/** The header a cookie-authenticated change must carry, echoing the CSRF cookie. */
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The deployments API and the dashboard exist only with ADMIN_TOKEN set, and answer only
 * to it: as a bearer token (scripts) or as the dashboard's session cookie. A change made
 * with the cookie must also echo the CSRF token, which another site's page cannot read.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  private readonly token: string | undefined;

  constructor(
    @Inject(ConfigService) config: ConfigService<ServiceConfig, true>,
    @Inject(LoginThrottle) private readonly throttle: LoginThrottle,
  ) {
    this.token = config.get('adminToken', { infer: true });
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    // Disabled looks exactly like absent.
    if (this.token === undefined) throw notFound(req);
    if (req.headers.authorization !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization);
      if (match && constantTimeEqual(match[1]!, this.token)) return true;
      // Guesses of the token here count with the login form's: one budget per address.
      throw this.throttle.refuse(clientAddress(req), context.switchToHttp().getResponse<Response>(), () =>
        httpError(401, 'a valid "Authorization: Bearer <ADMIN_TOKEN>" header is required'),
      );
    }
    const session = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (session === undefined || !isValidSession(this.token, session)) {
      throw httpError(401, 'a valid "Authorization: Bearer <ADMIN_TOKEN>" header is required');
    }
    if (!SAFE_METHODS.has(req.method)) {
      const sent = req.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !constantTimeEqual(sent, csrfTokenFor(this.token, session))) {
        throw httpError(403, `a change made with the dashboard session needs the ${CSRF_HEADER} header`);
      }
    }
    return true;
  }
}
