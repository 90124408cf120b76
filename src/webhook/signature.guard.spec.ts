import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger, type LoggerService } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { rejection } from '../../test/fixtures/guard-rejection.js';
import type { IncomingHttpHeaders } from 'node:http';
import { Metrics } from '../observability/metrics.js';
import { WebhookRefusals } from '../observability/webhook-refusals.js';
import { SignatureGuard } from './signature.guard.js';
import { sign } from './verify-signature.js';

const SECRET = 'guard-secret-5e6f';
const BODY = Buffer.from('{"zen":"Approachable is better than simple."}');

/** Collects what the guard logs instead of printing it. */
const logged: string[] = [];
const collect = (message: unknown): void =>
  void logged.push(typeof message === 'object' ? JSON.stringify(message) : String(message));
const collector: LoggerService = { log: collect, warn: collect, error: collect };

const metrics = new Metrics();

function guardAgainst(headers: IncomingHttpHeaders, rawBody: Buffer | undefined): () => boolean {
  // A WebhookRefusals each: every guard logs its first refusal at once.
  const guard = new SignatureGuard(new ConfigService({ githubSecret: SECRET }), new WebhookRefusals(metrics));
  const req = { headers, rawBody };
  return () => guard.canActivate(new ExecutionContextHost([req, {}]));
}

describe('SignatureGuard', () => {
  beforeAll(() => Logger.overrideLogger(collector));
  afterAll(() => Logger.overrideLogger(true));

  it.each<[string, IncomingHttpHeaders]>([
    ['a correct X-Hub-Signature-256', { 'x-hub-signature-256': sign(SECRET, BODY) }],
    ['a correct X-Hub-Signature alone', { 'x-hub-signature': sign(SECRET, BODY, 'sha1') }],
  ])('lets through a request with %s over its raw body', (_name, headers) => {
    expect(guardAgainst(headers, BODY)()).toBe(true);
  });

  it.each<[string, IncomingHttpHeaders, Buffer | undefined]>([
    ['no signature', {}, BODY],
    ['a signature made with another secret', { 'x-hub-signature-256': sign('other', BODY) }, BODY],
    ['a signature over other bytes', { 'x-hub-signature-256': sign(SECRET, `${BODY.toString()} `) }, BODY],
    ['a malformed signature', { 'x-hub-signature-256': 'sha256' }, BODY],
    ['a signature but no raw body', { 'x-hub-signature-256': sign(SECRET, BODY) }, undefined],
  ])('answers 401 { error } to a request with %s, logging it without the secret', (_name, headers, rawBody) => {
    logged.length = 0;
    const error = rejection(guardAgainst({ ...headers, 'x-github-delivery': 'delivery-42' }, rawBody));
    expect(error.getStatus()).toBe(401);
    expect(error.getResponse()).toEqual({ error: expect.any(String) });
    expect(JSON.stringify(error.getResponse())).not.toContain(SECRET);
    expect(logged).toEqual([expect.stringContaining('delivery-42')]);
    expect(logged.join('\n')).not.toContain(SECRET);
  });
});
