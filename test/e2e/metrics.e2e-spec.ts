import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Server } from 'node:http';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { createApp } from '../../src/bootstrap.js';
import { sign } from '../../src/webhook/verify-signature.js';
import { ISSUES_EXAMPLE, PING_EXAMPLE, pushPayload, TAG_PUSH_EXAMPLE } from '../fixtures/deliveries.js';
import { rawPost } from '../fixtures/raw-post.js';
import { CapturingLogger, TEST_ADMIN_TOKEN, TEST_SECRET, TestApp } from '../fixtures/test-app.js';
import { waitFor } from '../fixtures/wait.js';

const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

type Samples = Map<string, number>;

/** `name{labels}` with the labels sorted, as the parser below keys its samples. */
function key(name: string, labels: Record<string, string> = {}): string {
  const pairs = Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, value]) => `${label}="${value}"`);
  return pairs.length > 0 ? `${name}{${pairs.join(',')}}` : name;
}

/** Prometheus' text format (0.0.4): every sample, keyed by name and sorted labels. */
function parse(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, label, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[label!] = value!;
    samples.set(key(match[1]!, labels), Number(match[3]));
  }
  return samples;
}

async function scrape(server: Server): Promise<Samples> {
  const res = await request(server).get('/metrics');
  expect(res.status).toBe(200);
  return parse(res.text);
}

/** The series that carry a `target` label: env-only mode's one target is `default`. */
const BY_TARGET =
  /^hookdeploy_(deliveries_total|deliveries_too_large_total|deliveries_over_budget_total|signature_failures_total|secret_matches_total|deployments_total|deploy_duration_seconds_\w+|queue_depth|deployments_running|last_successful_deploy_timestamp_seconds)$/;

function withTarget(name: string, labels: Record<string, string> = {}): Record<string, string> {
  return BY_TARGET.test(name) ? { target: 'default', ...labels } : labels;
}

/** The value of one sample; fails the test when the series does not exist. */
function value(samples: Samples, name: string, labels?: Record<string, string>): number {
  const found = samples.get(key(name, withTarget(name, labels)));
  if (found === undefined) throw new Error(`no sample ${key(name, withTarget(name, labels))}`);
  return found;
}

/** How much each named series moved between two scrapes. */
function moved(before: Samples, after: Samples, name: string, labels?: Record<string, string>): number {
  return (
    value(after, name, labels) - (before.has(key(name, withTarget(name, labels))) ? value(before, name, labels) : 0)
  );
}

function sum(samples: Samples, name: string): number {
  let total = 0;
  for (const [sample, count] of samples) if (sample === name || sample.startsWith(`${name}{`)) total += count;
  return total;
}

describe('GET /metrics', () => {
  let t: TestApp;
  // The deploy command fails when the commit's file "state" says so.
  beforeAll(async () => {
    t = await TestApp.start({ env: { DEPLOY_COMMAND: 'test "$(cat state 2>/dev/null)" != fail' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers the Prometheus text format to anyone, without a token, and without a secret in it', async () => {
    const res = await t.http.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4(; charset=utf-8)?$/);
    expect(res.text).toContain('# TYPE hookdeploy_deliveries_total counter');
    expect(res.text).toContain('# TYPE hookdeploy_deploy_duration_seconds histogram');
    expect(res.text).not.toContain(TEST_SECRET);
    expect(res.text).not.toContain(TEST_ADMIN_TOKEN);
    const samples = parse(res.text);
    for (const name of [
      'hookdeploy_signature_failures_total',
      'hookdeploy_deliveries_too_large_total',
      'hookdeploy_queue_depth',
      'hookdeploy_deployments_running',
      'hookdeploy_process_resident_memory_bytes',
      'hookdeploy_process_start_time_seconds',
    ]) {
      expect(samples.has(key(name, withTarget(name)))).toBe(true);
    }
    expect([...samples.keys()].some((name) => name.startsWith('hookdeploy_nodejs_eventloop_lag_seconds'))).toBe(true);
    // A bad token changes nothing: the endpoint ignores authentication altogether.
    expect((await t.http.get('/metrics').set('authorization', 'Bearer wrong')).status).toBe(200);
  });

  it('reports 0 as the last successful deploy before any deployment succeeded', async () => {
    const samples = await scrape(t.server);
    expect(value(samples, 'hookdeploy_last_successful_deploy_timestamp_seconds')).toBe(0);
    expect(value(samples, 'hookdeploy_deploy_duration_seconds_count', { status: 'succeeded' })).toBe(0);
  });

  it('counts each signed delivery once, by its event and the outcome the journal records', async () => {
    const before = await scrape(t.server);
    const branch = `refs/heads/${t.fixture.branch}`;
    const sha = await t.fixture.commitAndPush();
    const push = (id: string) => t.deliverPush({ after: sha }, { id });
    const post = (headers: Record<string, string>, body: string) =>
      t.http
        .post('/github')
        .set({ 'content-type': 'application/json', ...headers, 'x-hub-signature-256': sign(TEST_SECRET, body) })
        .send(body);

    expect((await t.deliver(PING_EXAMPLE, { event: 'ping' })).body).toEqual({ status: 'pong' });
    expect((await t.deliver(ISSUES_EXAMPLE, { event: 'issues' })).body.status).toBe('ignored');
    expect((await t.deliver({ ...TAG_PUSH_EXAMPLE, ref: 'refs/tags/v1' })).body.status).toBe('ignored');
    expect((await t.deliverPush({ after: sha, ref: 'refs/heads/elsewhere' })).body.status).toBe('ignored');
    const queued = await push('metrics-queued');
    expect(queued.status).toBe(202);
    expect((await push('metrics-queued')).body.status).toBe('duplicate');
    expect((await post({ 'x-github-event': 'push' }, '{"ref":')).status).toBe(400);
    expect((await post({ 'x-github-event': 'push', 'content-type': 'text/plain' }, '{}')).status).toBe(415);
    expect((await post({}, JSON.stringify(pushPayload({ after: sha, ref: branch })))).status).toBe(400);
    await t.settled(queued.body.deploymentId);

    const after = await scrape(t.server);
    const counted = (event: string, outcome: string) =>
      moved(before, after, 'hookdeploy_deliveries_total', { event, outcome });
    expect(counted('ping', 'pong')).toBe(1);
    expect(counted('issues', 'ignored')).toBe(1);
    expect(counted('push', 'ignored')).toBe(2);
    expect(counted('push', 'queued')).toBe(1);
    expect(counted('push', 'duplicate')).toBe(1);
    expect(counted('push', 'rejected')).toBe(2);
    expect(counted('unknown', 'rejected')).toBe(1);
    expect(sum(after, 'hookdeploy_deliveries_total') - sum(before, 'hookdeploy_deliveries_total')).toBe(9);
    expect(moved(before, after, 'hookdeploy_signature_failures_total')).toBe(0);
  });

  it('counts every 401 (wrong, malformed or missing signature) as a signature failure, never as a delivery', async () => {
    const before = await scrape(t.server);
    const body = JSON.stringify(PING_EXAMPLE);
    const attempts: Record<string, string>[] = [
      { 'x-hub-signature-256': sign('not-the-secret', body) },
      { 'x-hub-signature-256': sign('not-the-secret', body) },
      { 'x-hub-signature': sign('not-the-secret', body, 'sha1') },
      { 'x-hub-signature-256': 'sha256=abc' },
      {},
    ];
    for (const headers of attempts) {
      const res = await t.http
        .post('/github')
        .set({ 'content-type': 'application/json', 'x-github-event': 'ping', ...headers })
        .send(body);
      expect(res.status).toBe(401);
    }
    const after = await scrape(t.server);
    expect(moved(before, after, 'hookdeploy_signature_failures_total')).toBe(5);
    expect(sum(after, 'hookdeploy_deliveries_total')).toBe(sum(before, 'hookdeploy_deliveries_total'));
  });

  it('counts a 413 (body over 25 MiB) on its own counter', async () => {
    const before = await scrape(t.server);
    const oversized = Buffer.alloc(25 * 1024 * 1024 + 1, 'a');
    const headers = { 'content-type': 'application/json', 'content-length': oversized.length };
    expect((await rawPost(t.server, '/github', headers, oversized)).status).toBe(413);
    const after = await scrape(t.server);
    expect(moved(before, after, 'hookdeploy_deliveries_too_large_total')).toBe(1);
    expect(moved(before, after, 'hookdeploy_signature_failures_total')).toBe(0);
  });

  it('after a real deploy: one more succeeded push deployment, its duration observed, the last success set', async () => {
    const before = await scrape(t.server);
    const sha = await t.fixture.commitAndPush('deploy me', { state: 'ok' });
    const res = await t.deliverPush({ after: sha });
    const deployment = await t.settled(res.body.deploymentId);
    expect(deployment.status).toBe('succeeded');
    const after = await scrape(t.server);

    expect(moved(before, after, 'hookdeploy_deployments_total', { status: 'succeeded', trigger: 'push' })).toBe(1);
    expect(moved(before, after, 'hookdeploy_deployments_total', { status: 'failed', trigger: 'push' })).toBe(0);
    const seconds = (Date.parse(deployment.finishedAt!) - Date.parse(deployment.startedAt!)) / 1000;
    const succeeded = { status: 'succeeded' };
    expect(moved(before, after, 'hookdeploy_deploy_duration_seconds_count', succeeded)).toBe(1);
    expect(moved(before, after, 'hookdeploy_deploy_duration_seconds_sum', succeeded)).toBeCloseTo(seconds, 3);
    // In every bucket at or above its duration, in none below.
    for (const le of ['0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '30', '60', '120', '300', '600', '+Inf']) {
      const expected = (le === '+Inf' ? Infinity : Number(le)) >= seconds ? 1 : 0;
      expect(moved(before, after, 'hookdeploy_deploy_duration_seconds_bucket', { ...succeeded, le })).toBe(expected);
    }
    expect(value(after, 'hookdeploy_last_successful_deploy_timestamp_seconds')).toBe(
      Date.parse(deployment.finishedAt!) / 1000,
    );
    expect(value(after, 'hookdeploy_queue_depth')).toBe(0);
    expect(value(after, 'hookdeploy_deployments_running')).toBe(0);
  });

  it('a failed deploy counts as failed, and leaves the last success where it was', async () => {
    const before = await scrape(t.server);
    const sha = await t.fixture.commitAndPush('break it', { state: 'fail' });
    const res = await t.deliverPush({ after: sha });
    expect((await t.settled(res.body.deploymentId)).status).toBe('failed');
    const after = await scrape(t.server);
    expect(moved(before, after, 'hookdeploy_deployments_total', { status: 'failed', trigger: 'push' })).toBe(1);
    expect(moved(before, after, 'hookdeploy_deploy_duration_seconds_count', { status: 'failed' })).toBe(1);
    expect(value(after, 'hookdeploy_last_successful_deploy_timestamp_seconds')).toBe(
      value(before, 'hookdeploy_last_successful_deploy_timestamp_seconds'),
    );
  });

  it('a manual deploy counts with trigger="manual"', async () => {
    await t.fixture.commitAndPush('fixed', { state: 'ok' });
    const before = await scrape(t.server);
    const res = await t.http.post('/deployments').set(auth);
    expect(res.status).toBe(202);
    expect((await t.settled(res.body.deploymentId)).status).toBe('succeeded');
    const after = await scrape(t.server);
    expect(moved(before, after, 'hookdeploy_deployments_total', { status: 'succeeded', trigger: 'manual' })).toBe(1);
    expect(moved(before, after, 'hookdeploy_deployments_total', { status: 'succeeded', trigger: 'push' })).toBe(0);
  });
});

describe('GET /metrics while a deploy runs, and across a restart', () => {
  let t: TestApp;
  let restarted: NestExpressApplication | undefined;
  let release: string;

  beforeAll(async () => {
    t = await TestApp.start({ env: { DEPLOY_COMMAND: 'while [ ! -e "$RELEASE_FILE" ]; do sleep 0.05; done' } });
    release = join(t.fixture.root, 'release');
    process.env.RELEASE_FILE = release;
  });
  afterAll(async () => {
    await restarted?.close();
    await t.fixture.remove();
  });

  it('shows the running deployment and the one waiting behind it', async () => {
    const first = await t.fixture.commitAndPush('first');
    const a = await t.deliverPush({ after: first });
    await waitFor('the first deploy runs its command', () => t.store.get(a.body.deploymentId)?.status === 'running');
    const b = await t.deliverPush({ after: await t.fixture.commitAndPush('second') });
    const c = await t.deliverPush({ after: await t.fixture.commitAndPush('third') });
    expect(c.body.deploymentId).toBe(b.body.deploymentId);

    const busy = await scrape(t.server);
    expect(value(busy, 'hookdeploy_deployments_running')).toBe(1);
    expect(value(busy, 'hookdeploy_queue_depth')).toBe(1);

    await writeFile(release, '');
    await t.settled(b.body.deploymentId);
    const idle = await scrape(t.server);
    expect(value(idle, 'hookdeploy_deployments_running')).toBe(0);
    expect(value(idle, 'hookdeploy_queue_depth')).toBe(0);
    expect(value(idle, 'hookdeploy_deployments_total', { status: 'succeeded', trigger: 'push' })).toBe(2);
  });

  it('keeps the last successful deploy from the history after a restart; the counters start again', async () => {
    const lastSuccess = value(await scrape(t.server), 'hookdeploy_last_successful_deploy_timestamp_seconds');
    expect(lastSuccess).toBeGreaterThan(0);
    await t.app.close();
    await rm(release);

    restarted = await createApp(t.config, new CapturingLogger());
    await restarted.listen(0, '127.0.0.1');
    const samples = await scrape(restarted.getHttpServer() as Server);
    expect(value(samples, 'hookdeploy_last_successful_deploy_timestamp_seconds')).toBe(lastSuccess);
    expect(value(samples, 'hookdeploy_deployments_total', { status: 'succeeded', trigger: 'push' })).toBe(0);
    expect(value(samples, 'hookdeploy_deliveries_total', { event: 'push', outcome: 'queued' })).toBe(0);
  });
});
