import { Controller, Delete, Get, HttpCode, Inject, Logger, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request, Response } from 'express';
import type { ServiceConfig } from '../config/service-config.js';
import { constantTimeEqual } from '../common/constant-time-equal.js';
import { httpError, notFound } from '../common/http-error.js';
import { readSmallBody } from '../common/read-small-body.js';
import { AdminGuard } from './admin.guard.js';
import { CSRF_COOKIE, SESSION_COOKIE } from './cookies.js';
import { clientAddress } from './client-address.js';
import { TargetRegistry } from '../targets/target-registry.js';
import { LoginThrottle } from './login-throttle.js';
import { csrfTokenFor, issueSession, SESSION_TTL_MS } from './session-token.js';

export interface SessionInfo {
  authenticated: true;
  /** The only target's branch; null with several targets (GET /targets has each). */
  branch: string | null;
  repository: string | null;
  /** The only target's GitHub page, for links to commits; null when unknown or several targets. */
  repositoryUrl: string | null;
}

/** Behind a TLS proxy the cookies must be Secure; the proxy says so in X-Forwarded-Proto. */
function overHttps(req: Request): boolean {
  const forwarded = String(req.headers['x-forwarded-proto'] ?? '')
    .split(',')[0]!
    .trim();
  return req.protocol === 'https' || forwarded === 'https';
}

/** The dashboard's login: the admin token, once, for a signed HttpOnly session cookie. */
@Controller('session')
export class SessionController {
  private readonly logger = new Logger('Dashboard');
  private readonly token: string | undefined;

  constructor(
    @Inject(ConfigService) config: ConfigService<ServiceConfig, true>,
    @Inject(LoginThrottle) private readonly throttle: LoginThrottle,
    @Inject(TargetRegistry) private readonly targets: TargetRegistry,
  ) {
    this.token = config.get('adminToken', { infer: true });
  }

  @Get()
  @UseGuards(AdminGuard)
  current(): SessionInfo {
    // Read at each request: a reload may add or remove targets.
    const only = this.targets.only();
    const repository = only?.repository ?? null;
    return {
      authenticated: true,
      branch: only?.branch ?? null,
      repository,
      repositoryUrl: repository && only?.forge === 'github' ? `https://github.com/${repository}` : null,
    };
  }

  @Post()
  @HttpCode(204)
  async login(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    if (this.token === undefined) throw notFound(req);
    const address = clientAddress(req);
    const { token } = await readSmallBody(req);
    if (typeof token !== 'string' || token === '') throw httpError(400, 'a "token" field is required');
    if (!constantTimeEqual(token, this.token)) {
      // Counted and decided in the same tick as the comparison: sign-ins sent together
      // are each counted, none can slip between a check and its count.
      const refusal = this.throttle.refuse(address, res, () => httpError(401, 'wrong admin token'));
      if (refusal.getStatus() === 401) this.logger.warn(`failed dashboard login from ${address}`);
      throw refusal;
    }
    const session = issueSession(this.token);
    const common = { sameSite: 'strict', secure: overHttps(req), path: '/', maxAge: SESSION_TTL_MS } as const;
    res.cookie(SESSION_COOKIE, session, { ...common, httpOnly: true });
    // Readable by the page on purpose: it echoes it in the X-CSRF-Token header.
    res.cookie(CSRF_COOKIE, csrfTokenFor(this.token, session), common);
    this.logger.log(`dashboard login from ${address}`);
  }

  @Delete()
  @HttpCode(204)
  @UseGuards(AdminGuard)
  logout(@Res({ passthrough: true }) res: Response): void {
    res.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict' });
    res.clearCookie(CSRF_COOKIE, { path: '/', sameSite: 'strict' });
  }
}
