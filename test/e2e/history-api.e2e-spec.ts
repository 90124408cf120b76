import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DeployRunner } from '../../src/deploy/deploy-runner.js';
import { DATABASE } from '../../src/storage/storage.module.js';
import type { Db } from '../../src/storage/open-database.js';
import { pushPayload } from '../fixtures/deliveries.js';
import { EventStreamClient } from '../fixtures/event-stream-client.js';
import { TEST_ADMIN_TOKEN, TestApp } from '../fixtures/test-app.js';
import { waitFor } from '../fixtures/wait.js';

const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

function port(t: TestApp): number {
  return (t.server.address() as AddressInfo).port;
}

/** A DEPLOY_COMMAND that prints, then waits until the test creates `release`. */
function heldCommand(release: string): string {
  return `echo first line; while [ ! -e "${release}" ]; do sleep 0.05; done; echo last line`;
}

describe('GET /deployments: filters and pages', () => {
  let t: TestApp;
  let ids: number[];

  beforeAll(async () => {
    // Deployments 1 and 3 succeed; 2 fails: the command exits 1 when the file "state" says fail.
    t = await TestApp.start({ env: { DEPLOY_COMMAND: 'test "$(cat state)" != fail' } });
    ids = [];
    for (const state of ['ok', 'fail', 'ok']) {
      const sha = await t.fixture.commitAndPush(undefined, { state });
      const res = await t.deliverPush({ after: sha });
      await t.settled(res.body.deploymentId);
      ids.push(res.body.deploymentId);
    }
  });
  afterAll(async () => {
    await t.close();
  });

  it('is a bare array, newest first, with logs unless log=false', async () => {
    const all = await t.http.get('/deployments').set(auth);
    expect(all.body.map((d: { id: number }) => d.id)).toEqual([...ids].reverse());
    expect(all.body[0].log).toEqual(expect.stringContaining(' fetch --no-tags origin'));
    const light = await t.http.get('/deployments?log=false').set(auth);
    expect(light.body.map((d: { id: number }) => d.id)).toEqual([...ids].reverse());
    expect(light.body[0]).not.toHaveProperty('log');
    expect(light.body[0]).toMatchObject({ id: ids[2], status: 'succeeded', trigger: 'push' });
  });

  it.each([
    ['status=failed', (ids: number[]) => [ids[1]]],
    ['status=succeeded', (ids: number[]) => [ids[2], ids[0]]],
    ['status=running', () => []],
    ['limit=1', (ids: number[]) => [ids[2]]],
    ['before=3', (ids: number[]) => [ids[1], ids[0]]],
    ['before=3&limit=1', (ids: number[]) => [ids[1]]],
    ['before=1', () => []],
    ['status=succeeded&before=3', (ids: number[]) => [ids[0]]],
    ['target=default', (ids: number[]) => [...ids].reverse()],
    ['target=default&status=failed', (ids: number[]) => [ids[1]]],
    ['target=site', () => []],
  ])('?%s', async (query, expected) => {
    const res = await t.http.get(`/deployments?${query}`).set(auth);
    expect(res.status).toBe(200);
    expect(res.body.map((d: { id: number }) => d.id)).toEqual(expected(ids));
  });

  it.each([
    ['status=done', 'status'],
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['limit=ten', 'limit'],
    ['limit=1&limit=2', 'limit'],
    ['before=-1', 'before'],
    ['before=abc', 'before'],
    ['log=no', 'log'],
    ['target=Default', 'target'],
    ['target=-site', 'target'],
    [`target=${'a'.repeat(64)}`, 'target'],
    ['target=a&target=b', 'target'],
  ])('?%s is a 400 naming %s', async (query, name) => {
    const res = await t.http.get(`/deployments?${query}`).set(auth);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: expect.stringContaining(name) });
  });

  it('GET /deployments/:id/log answers the captured output as text/plain', async () => {
    const res = await t.http.get(`/deployments/${ids[1]}/log`).set(auth);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.text).toContain('$ test "$(cat state)" != fail');
    expect(res.text).toContain('hookdeploy: deployment failed: the deploy command exited with code 1');
    const missing = await t.http.get('/deployments/99/log').set(auth);
    expect(missing.status).toBe(404);
    expect((await t.http.get(`/deployments/${ids[1]}/log`)).status).toBe(401);
  });

  it('records every signed delivery with its outcome, unsigned ones not at all', async () => {
    await t.deliver({ zen: 'hi', hook_id: 1 }, { event: 'ping', id: 'journal-ping' }).expect(200);
    await t.deliverPush({ ref: 'refs/heads/other', after: 'b'.repeat(40) }, { id: 'journal-ignored' }).expect(200);
    await t.deliver({ ref: 'refs/heads/main' }, { id: 'journal-bad' }).expect(400);
    await t.http
      .post('/github')
      .set({ 'content-type': 'application/json', 'x-github-delivery': 'journal-unsigned', 'x-github-event': 'push' })
      .send('{}')
      .expect(401);
    const journal = await t.http.get('/deliveries?limit=3').set(auth);
    expect(journal.status).toBe(200);
    expect(journal.body).toEqual([
      expect.objectContaining({ id: 'journal-bad', event: 'push', outcome: 'rejected', statusCode: 400 }),
      expect.objectContaining({
        id: 'journal-ignored',
        outcome: 'ignored',
        statusCode: 200,
        reason: 'push to refs/heads/other, deploying refs/heads/main',
        deploymentId: null,
      }),
      expect.objectContaining({ id: 'journal-ping', event: 'ping', outcome: 'pong', statusCode: 200 }),
    ]);
    expect(journal.body[0].reason).toEqual(expect.any(String));
    expect(Date.parse(journal.body[0].receivedAt)).not.toBeNaN();
    const all = await t.http.get('/deliveries?limit=500').set(auth);
    expect(all.body.map((d: { id: string }) => d.id)).not.toContain('journal-unsigned');
  });

  it('keeps one duplicate record per delivery id, however often a signed delivery is replayed', async () => {
    const replayed = (await t.http.get('/deliveries?outcome=queued&limit=1').set(auth)).body[0];
    const payload = pushPayload({ ref: 'refs/heads/main', after: replayed.sha });
    for (let i = 0; i < 5; i += 1) {
      const res = await t.deliver(payload, { id: replayed.id });
      expect(res.body).toEqual({ status: 'duplicate', deploymentId: replayed.deploymentId });
    }
    const duplicates = (await t.http.get('/deliveries?outcome=duplicate&limit=500').set(auth)).body;
    expect(duplicates.filter((d: { id: string }) => d.id === replayed.id)).toHaveLength(1);
  });

  it('GET /deliveries: accepted ones name their deployment; outcome and before filter; bad values are 400', async () => {
    const queued = await t.http.get('/deliveries?outcome=queued').set(auth);
    expect(queued.body.map((d: { deploymentId: number }) => d.deploymentId)).toEqual([...ids].reverse());
    expect(queued.body[0]).toEqual({
      seq: expect.any(Number),
      target: 'default',
      id: expect.any(String),
      event: 'push',
      receivedAt: expect.stringMatching(/Z$/),
      outcome: 'queued',
      reason: null,
      statusCode: 202,
      sha: expect.stringMatching(/^[0-9a-f]{40}$/),
      deploymentId: ids[2],
    });
    const older = await t.http.get(`/deliveries?outcome=queued&before=${queued.body[0].seq}`).set(auth);
    expect(older.body.map((d: { deploymentId: number }) => d.deploymentId)).toEqual([ids[1], ids[0]]);
    const mine = await t.http.get('/deliveries?target=default&outcome=queued').set(auth);
    expect(mine.body).toEqual(queued.body);
    expect((await t.http.get('/deliveries?target=site').set(auth)).body).toEqual([]);
    for (const query of ['outcome=accepted', 'limit=0', 'before=x', 'target=UPPER', 'target=a_b']) {
      const res = await t.http.get(`/deliveries?${query}`).set(auth);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: expect.any(String) });
    }
    expect((await t.http.get('/deliveries')).status).toBe(401);
  });
});

describe('POST /deployments: deploy now', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.close();
  });

  it('fetches origin and deploys the branch tip, recorded with trigger "manual"', async () => {
    t = await TestApp.start();
    const tip = await t.fixture.commitAndPush();
    const res = await t.http.post('/deployments').set(auth);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ status: 'queued', deploymentId: expect.any(Number) });
    const deployment = await t.settled(res.body.deploymentId);
    expect(deployment).toMatchObject({
      status: 'succeeded',
      trigger: 'manual',
      deliveries: [],
      ref: 'refs/heads/main',
      requestedSha: tip,
      headAfter: tip,
    });
    expect(await t.fixture.deployHead()).toBe(tip);
    expect(t.logs.text()).toMatch(/deployment \d+ \(manual\): succeeded\. Repository updated with commit/);
  });

  it('accepts {} as the body; anything else is a 4xx', async () => {
    t = await TestApp.start();
    const empty = await t.http.post('/deployments').set(auth).set('content-type', 'application/json').send('{}');
    expect(empty.status).toBe(202);
    await t.settled(empty.body.deploymentId);
    for (const [body, type, status] of [
      ['{"ref":"main"}', 'application/json', 400],
      ['[]', 'application/json', 400],
      ['{', 'application/json', 400],
      ['deploy', 'text/plain', 415],
      ['x'.repeat(5000), 'application/json', 413],
    ] as const) {
      const res = await t.http.post('/deployments').set(auth).set('content-type', type).send(body);
      expect([body.slice(0, 20), res.status]).toEqual([body.slice(0, 20), status]);
      expect(res.body).toEqual({ error: expect.any(String) });
    }
    expect((await t.http.post('/deployments')).status).toBe(401);
  });

  it('coalesces with pushes: while a deploy runs, a manual request and pushes share one waiting deployment', async () => {
    const release = join(process.env.TMPDIR ?? '/tmp', `release-${process.pid}-${Date.now()}`);
    t = await TestApp.start({ env: { DEPLOY_COMMAND: heldCommand(release) } });
    const first = await t.deliverPush({ after: await t.fixture.commitAndPush() }, { id: 'held' });
    await waitFor('the first deploy runs', () => t.store.get(first.body.deploymentId)?.status === 'running');
    const manual = await t.http.post('/deployments').set(auth);
    const pushed = await t.fixture.commitAndPush();
    const push = await t.deliverPush({ after: pushed }, { id: 'joins-manual' });
    expect(manual.body.deploymentId).not.toBe(first.body.deploymentId);
    expect(push.body.deploymentId).toBe(manual.body.deploymentId);
    await writeFile(release, '');
    const waiting = await t.settled(manual.body.deploymentId);
    expect(waiting).toMatchObject({
      status: 'succeeded',
      trigger: 'manual',
      deliveries: ['joins-manual'],
      requestedSha: pushed,
      headAfter: pushed,
    });
  });
});

describe('GET /deployments/:id/events', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.close();
  });

  it('for a finished deployment: the whole log, the final status, then the end', async () => {
    t = await TestApp.start({ env: { DEPLOY_COMMAND: 'echo one; echo two' } });
    const res = await t.deliverPush({ after: await t.fixture.commitAndPush() });
    const done = await t.settled(res.body.deploymentId);
    const stream = new EventStreamClient(port(t), `/deployments/${done.id}/events`, auth);
    await stream.ended;
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(stream.events.map((e) => e.event)).toEqual(['log', 'status']);
    expect(stream.of('log')[0]).toBe(done.log);
    const { log: _log, ...summary } = done;
    expect(stream.of('status')).toEqual([summary]);
  });

  it('for a queued one: waits, then streams the output as it comes and every state change, and ends', async () => {
    const release = join(process.env.TMPDIR ?? '/tmp', `release-${process.pid}-${Date.now()}`);
    t = await TestApp.start({ env: { DEPLOY_COMMAND: heldCommand(release) } });
    const first = await t.deliverPush({ after: await t.fixture.commitAndPush() });
    await waitFor('the first deploy runs', () => t.store.get(first.body.deploymentId)?.status === 'running');
    const second = await t.deliverPush({ after: await t.fixture.commitAndPush() });
    const stream = new EventStreamClient(port(t), `/deployments/${second.body.deploymentId}/events`, auth);
    await waitFor('the queued status', () => stream.of('status').length === 1);
    expect(stream.of('status')[0]).toMatchObject({ id: second.body.deploymentId, status: 'queued' });

    await writeFile(release, '');
    await waitFor('"first line" of the second deploy', () => stream.of('log').join('').includes('first line'), 15_000);
    await stream.ended;
    const statuses = stream.of('status').map((s) => s.status);
    expect(statuses[0]).toBe('queued');
    expect(statuses).toContain('running');
    expect(statuses.at(-1)).toBe('succeeded');
    const streamed = stream.of('log').join('');
    const stored = (await t.settled(second.body.deploymentId)).log;
    // Every chunk arrives, in order: the stream adds up to the stored log.
    expect(streamed.replace(/\r/g, '\n')).toBe(stored.replace(/\r/g, '\n'));
  });

  it('a running deployment: the output so far first, then the rest live', async () => {
    const release = join(process.env.TMPDIR ?? '/tmp', `release-${process.pid}-${Date.now()}`);
    t = await TestApp.start({ env: { DEPLOY_COMMAND: heldCommand(release) } });
    const res = await t.deliverPush({ after: await t.fixture.commitAndPush() });
    await waitFor('the command printed', () =>
      (t.app.get(DeployRunner).liveLog(res.body.deploymentId) ?? '').includes('first line'),
    );
    const stream = new EventStreamClient(port(t), `/deployments/${res.body.deploymentId}/events`, auth);
    await waitFor('the backlog', () => stream.of('status').length === 1);
    expect(stream.of('log').join('')).toContain('first line');
    // (The command line itself, echoed first, contains the words too.)
    expect(stream.of('log').join('')).not.toMatch(/^last line$/m);
    await writeFile(release, '');
    await stream.ended;
    expect(stream.of('log').join('')).toMatch(/^last line$/m);
    expect(stream.of('status').at(-1)).toMatchObject({ status: 'succeeded' });
  });

  it('needs the token, and answers 404/400 like GET /deployments/:id', async () => {
    t = await TestApp.start();
    expect((await t.http.get('/deployments/1/events')).status).toBe(401);
    expect((await t.http.get('/deployments/1/events').set(auth)).status).toBe(404);
    expect((await t.http.get('/deployments/x/events').set(auth)).status).toBe(400);
  });
});

describe('when the database cannot record', () => {
  let t: TestApp;
  afterAll(async () => {
    await t.close();
  });

  it('a push is answered 503 (GitHub can redeliver it), not a 202 that nothing remembers', async () => {
    t = await TestApp.start();
    t.app.get<Db>(DATABASE).close();
    const push = await t.deliverPush({ after: await t.fixture.commitAndPush() }, { id: 'not-recorded' });
    expect(push.status).toBe(503);
    expect(push.body).toEqual({ error: expect.stringContaining('could not be recorded') });
    const manual = await t.http.post('/deployments').set(auth);
    expect(manual.status).toBe(503);
    // A ping needs no record to be answered.
    expect((await t.deliver({ zen: 'hi' }, { event: 'ping' })).status).toBe(200);
    expect(await t.fixture.deployHead()).not.toBe(await t.fixture.originHead());
  });
});

describe('the dashboard session', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(async () => {
    await t.close();
  });

  function cookiesOf(res: { headers: Record<string, unknown> }): string[] {
    return (res.headers['set-cookie'] as string[] | undefined) ?? [];
  }

  it('logs in with the token: an HttpOnly SameSite=Strict session, a CSRF cookie, and changes need both', async () => {
    const login = await t.http.post('/session').send({ token: TEST_ADMIN_TOKEN });
    expect(login.status).toBe(204);
    const [session, csrf] = cookiesOf(login);
    expect(session).toMatch(
      /^hookdeploy_session=[^;]+; Max-Age=43200; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Strict$/,
    );
    expect(csrf).toMatch(/^hookdeploy_csrf=[^;]+; Max-Age=43200; Path=\/; Expires=[^;]+; SameSite=Strict$/);
    const cookie = [session, csrf].map((c) => c!.split(';')[0]).join('; ');
    const csrfToken = csrf!.split(';')[0]!.split('=')[1]!;

    expect((await t.http.get('/session').set('cookie', cookie)).body).toEqual({
      authenticated: true,
      branch: 'main',
      repository: null,
      repositoryUrl: null,
    });
    expect((await t.http.get('/deployments').set('cookie', cookie)).status).toBe(200);
    const forged = await t.http.post('/deployments').set('cookie', cookie);
    expect(forged.status).toBe(403);
    expect(forged.body).toEqual({ error: expect.stringContaining('x-csrf-token') });
    const deployNow = await t.http.post('/deployments').set('cookie', cookie).set('x-csrf-token', csrfToken);
    expect(deployNow.status).toBe(202);
    await t.settled(deployNow.body.deploymentId);

    const logout = await t.http.delete('/session').set('cookie', cookie).set('x-csrf-token', csrfToken);
    expect(logout.status).toBe(204);
    expect(cookiesOf(logout).every((c) => /Expires=Thu, 01 Jan 1970/.test(c))).toBe(true);
  });

  it('refuses a wrong token, a missing one and a bad body with a 4xx, and sets no cookie', async () => {
    for (const [body, status] of [
      [{ token: 'wrong' }, 401],
      [{}, 400],
      [{ token: 42 }, 400],
    ] as const) {
      const res = await t.http.post('/session').send(body);
      expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), status]);
      expect(cookiesOf(res)).toEqual([]);
    }
    expect((await t.http.get('/session')).status).toBe(401);
  });

  it('answers the wrong guesses of an address that keeps guessing 429 (with Retry-After), never its right token', async () => {
    // Guesses as a bearer token and through the form share one budget per address; the
    // previous test spent one of the ten (a bad body is not a guess). Sign-ins sent
    // together are each counted when compared: the last two find the budget spent.
    await t.http.get('/deployments').set({ authorization: 'Bearer guess' }).expect(401);
    const guesses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => t.http.post('/session').send({ token: `guess-${i}` })),
    );
    expect(guesses.filter((res) => res.status === 429).length).toBe(2);
    const blocked = await t.http.post('/session').send({ token: 'guess-x' });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.body).toEqual({ error: expect.stringContaining('too many failed attempts') });
    expect((await t.http.get('/deployments').set({ authorization: 'Bearer guess-y' })).status).toBe(429);
    // Whoever shares the address and knows the token is not locked out.
    expect((await t.http.post('/session').send({ token: TEST_ADMIN_TOKEN })).status).toBe(204);
    expect((await t.http.get('/deployments').set(auth)).status).toBe(200);
  });
});

describe('the dashboard without ADMIN_TOKEN', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start({ env: { ADMIN_TOKEN: '' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it.each([
    ['GET', '/'],
    ['GET', '/dashboard/dashboard.css'],
    ['GET', '/session'],
    ['POST', '/session'],
    ['POST', '/deployments'],
  ])('%s %s is 404', async (method, path) => {
    const res = method === 'GET' ? await t.http.get(path) : await t.http.post(path).send({ token: 'x' });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: expect.any(String) });
  });
});

describe('the dashboard page', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(async () => {
    await t.close();
  });

  it('is served with a strict Content-Security-Policy, and only named assets are', async () => {
    const page = await t.http.get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.text).toContain('/dashboard/dashboard.js');
    const css = await t.http.get('/dashboard/dashboard.css');
    expect([css.status, css.headers['content-type']]).toEqual([200, 'text/css; charset=utf-8']);
    for (const path of ['/dashboard/..%2Fdashboard.controller.ts', '/dashboard/index.html', '/dashboard/nope.js']) {
      expect((await t.http.get(path)).status).toBe(404);
    }
  });
});
