import { describe, expect, it } from '@jest/globals';
import { ConfigService } from '@nestjs/config';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { rejection } from '../../test/fixtures/guard-rejection.js';
import { LoginThrottle, MAX_FAILED_LOGINS } from './login-throttle.js';
import { AdminGuard, CSRF_HEADER } from './admin.guard.js';
import { CSRF_COOKIE, SESSION_COOKIE } from './cookies.js';
import { csrfTokenFor, issueSession, SESSION_TTL_MS } from './session-token.js';

const TOKEN = 'admin-token-7a8b9c';

function guardAgainst(adminToken: string | undefined, authorization?: string): () => boolean {
  const guard = new AdminGuard(new ConfigService(adminToken === undefined ? {} : { adminToken }), new LoginThrottle());
  const req = {
    method: 'GET',
    path: '/deployments',
    originalUrl: '/deployments',
    headers: authorization === undefined ? {} : { authorization },
  };
  return () => guard.canActivate(new ExecutionContextHost([req, {}]));
}

interface Sent {
  method?: string;
  authorization?: string;
  /** The session cookie's value. */
  session?: string;
  csrf?: string | string[];
}

/** A request as the dashboard sends it: the session (and CSRF) cookies, and optionally the CSRF header. */
function guardWithSession(adminToken: string | undefined, sent: Sent): () => boolean {
  const guard = new AdminGuard(new ConfigService(adminToken === undefined ? {} : { adminToken }), new LoginThrottle());
  const headers: Record<string, string | string[]> = {};
  if (sent.authorization !== undefined) headers.authorization = sent.authorization;
  if (sent.session !== undefined) {
    headers.cookie = `theme=dark; ${SESSION_COOKIE}=${sent.session}; ${CSRF_COOKIE}=${csrfTokenFor(TOKEN, sent.session)}`;
  }
  if (sent.csrf !== undefined) headers[CSRF_HEADER] = sent.csrf;
  const req = { method: sent.method ?? 'GET', path: '/deployments', originalUrl: '/deployments', headers };
  return () => guard.canActivate(new ExecutionContextHost([req, {}]));
}

describe('AdminGuard', () => {
  it('answers 404 when ADMIN_TOKEN is unset, whatever the request carries', () => {
    const error = rejection(guardAgainst(undefined, `Bearer ${TOKEN}`));
    expect(error.getStatus()).toBe(404);
    expect(error.getResponse()).toEqual({ error: 'Cannot GET /deployments' });
  });

  it.each([`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `Bearer   ${TOKEN} `])('lets through %j', (authorization) => {
    expect(guardAgainst(TOKEN, authorization)()).toBe(true);
  });

  it.each<[string, string | undefined]>([
    ['no Authorization header', undefined],
    ['an empty Authorization header', ''],
    ['the token without Bearer', TOKEN],
    ['another scheme', `Basic ${TOKEN}`],
    ['Bearer without a token', 'Bearer '],
    ['a wrong token', 'Bearer admin-token-7a8b9d'],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`],
    ['the token with a suffix', `Bearer ${TOKEN}x`],
    ['two tokens', `Bearer ${TOKEN} ${TOKEN}`],
  ])('answers 401 { error } to %s', (_name, authorization) => {
    const error = rejection(guardAgainst(TOKEN, authorization));
    expect(error.getStatus()).toBe(401);
    expect(error.getResponse()).toEqual({ error: expect.any(String) });
    expect(JSON.stringify(error.getResponse())).not.toContain(TOKEN);
  });

  it(`lets the right token through from an address over its budget, and answers its wrong ones 429`, () => {
    const throttle = new LoginThrottle();
    for (let i = 0; i < MAX_FAILED_LOGINS; i += 1) throttle.failed('192.0.2.7');
    const guard = new AdminGuard(new ConfigService({ adminToken: TOKEN }), throttle);
    const headers: Record<string, string> = {};
    const res = { setHeader: (name: string, value: string) => (headers[name] = value) };
    const attempt = (authorization: string) => () =>
      guard.canActivate(
        new ExecutionContextHost([{ method: 'GET', ip: '192.0.2.7', headers: { authorization } }, res]),
      );
    expect(attempt(`Bearer ${TOKEN}`)()).toBe(true);
    expect(rejection(attempt('Bearer wrong')).getStatus()).toBe(429);
    expect(Number(headers['Retry-After'])).toBeGreaterThan(0);
  });
});

describe('AdminGuard with the dashboard session cookie', () => {
  const session = issueSession(TOKEN);
  const csrf = csrfTokenFor(TOKEN, session);

  it.each(['GET', 'HEAD', 'OPTIONS'])('lets a valid session cookie through for %s without a CSRF header', (method) => {
    expect(guardWithSession(TOKEN, { method, session })()).toBe(true);
  });

  it.each(['POST', 'DELETE', 'PUT', 'PATCH'])('lets a session cookie through for %s with its CSRF token', (method) => {
    expect(guardWithSession(TOKEN, { method, session, csrf })()).toBe(true);
  });

  it.each<[string, string | string[] | undefined]>([
    ['no X-CSRF-Token header', undefined],
    ['an empty X-CSRF-Token header', ''],
    ['a wrong X-CSRF-Token', 'A'.repeat(43)],
    ["another session's CSRF token", csrfTokenFor(TOKEN, issueSession(TOKEN))],
    ['the CSRF token of another ADMIN_TOKEN', csrfTokenFor('another-admin-token', session)],
    ['the session itself as the CSRF token', session],
    ['the CSRF token twice', [csrf, csrf]],
    ['the CSRF token with a suffix', `${csrf}x`],
  ])('answers 403 { error } to a POST with the session cookie and %s', (_name, sentCsrf) => {
    const error = rejection(guardWithSession(TOKEN, { method: 'POST', session, csrf: sentCsrf }));
    expect(error.getStatus()).toBe(403);
    expect(error.getResponse()).toEqual({ error: expect.stringContaining(CSRF_HEADER) });
  });

  it.each(['POST', 'DELETE'])('lets a bearer token through for %s without a CSRF header', (method) => {
    expect(guardWithSession(TOKEN, { method, authorization: `Bearer ${TOKEN}` })()).toBe(true);
  });

  it.each<[string, string]>([
    ['an expired session', issueSession(TOKEN, Date.now() - SESSION_TTL_MS - 1000)],
    ['a session of another ADMIN_TOKEN', issueSession('another-admin-token')],
    ['a tampered session', session.replace(/\.[\w-]/, (dotAndChar) => (dotAndChar === '.A' ? '.B' : '.A'))],
    ['an empty session', ''],
    ['the admin token as the session', TOKEN],
  ])('answers 401 { error } to %s, whatever the method and CSRF header', (_name, bad) => {
    expect(bad).not.toBe(session);
    for (const method of ['GET', 'POST']) {
      const error = rejection(guardWithSession(TOKEN, { method, session: bad, csrf: csrfTokenFor(TOKEN, bad) }));
      expect(error.getStatus()).toBe(401);
      expect(error.getResponse()).toEqual({ error: expect.any(String) });
    }
  });

  it.each(['Bearer wrong-token', 'Basic abc', ''])(
    'answers 401 to Authorization %j even alongside a valid session cookie: the header wins',
    (authorization) => {
      const error = rejection(guardWithSession(TOKEN, { method: 'POST', authorization, session, csrf }));
      expect(error.getStatus()).toBe(401);
    },
  );

  it('answers 404 when ADMIN_TOKEN is unset, even to a session cookie with its CSRF token', () => {
    const error = rejection(guardWithSession(undefined, { method: 'POST', session, csrf }));
    expect(error.getStatus()).toBe(404);
    expect(error.getResponse()).toEqual({ error: 'Cannot POST /deployments' });
  });
});
