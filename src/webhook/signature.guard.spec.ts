import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger, type LoggerService } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { rejection } from '../../test/fixtures/guard-rejection.js';
import type { IncomingHttpHeaders } from 'node:http';
import type { Target } from '../domain/target.js';
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

const TARGET: Target = {
  id: 'site',
  forge: 'github',
  secrets: [SECRET, 'old-guard-secret'],
  repoPath: '/srv/site',
  branch: 'main',
  repository: undefined,
  strategy: 'rebase',
  command: undefined,
  timeoutMs: 600_000,
};

function guardAgainst(
  headers: IncomingHttpHeaders,
  rawBody: Buffer | undefined,
  target: Target = TARGET,
): () => boolean {
  // A WebhookRefusals each: every guard logs its first refusal at once.
  const guard = new SignatureGuard(new WebhookRefusals(metrics), metrics);
  const req = { headers, rawBody, hookTarget: target };
  return () => guard.canActivate(new ExecutionContextHost([req, {}]));
}

async function secretMatches(): Promise<Record<string, number>> {
  const metric = await metrics.registry.getSingleMetric('hookdeploy_secret_matches_total')!.get();
  return Object.fromEntries(metric.values.map((value) => [String(value.labels.secret), value.value]));
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

  it("counts which of the target's secrets matched: the old one during a rotation", async () => {
    const before = await secretMatches();
    expect(guardAgainst({ 'x-hub-signature-256': sign('old-guard-secret', BODY) }, BODY)()).toBe(true);
    expect(guardAgainst({ 'x-hub-signature-256': sign(SECRET, BODY) }, BODY)()).toBe(true);
    const after = await secretMatches();
    expect((after['1'] ?? 0) - (before['1'] ?? 0)).toBe(1);
    expect((after['0'] ?? 0) - (before['0'] ?? 0)).toBe(1);
  });

  it("verifies the way the target's forge signs: GitHub's header means nothing to a GitLab target", () => {
    const gitlab = { ...TARGET, forge: 'gitlab' as const };
    expect(rejection(guardAgainst({ 'x-hub-signature-256': sign(SECRET, BODY) }, BODY, gitlab)).getStatus()).toBe(401);
    expect(guardAgainst({ 'x-gitlab-token': SECRET }, BODY, gitlab)()).toBe(true);
  });
});
