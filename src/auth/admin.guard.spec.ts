import { describe, expect, it } from '@jest/globals';
import { ConfigService } from '@nestjs/config';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { rejection } from '../../test/fixtures/guard-rejection.js';
import { AdminGuard } from './admin.guard.js';

const TOKEN = 'admin-token-7a8b9c';

function guardAgainst(adminToken: string | undefined, authorization?: string): () => boolean {
  const guard = new AdminGuard(new ConfigService(adminToken === undefined ? {} : { adminToken }));
  const req = { method: 'GET', path: '/deployments', headers: authorization === undefined ? {} : { authorization } };
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
});
