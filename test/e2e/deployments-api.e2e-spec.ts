import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { TEST_ADMIN_TOKEN, TestApp } from '../fixtures/test-app.js';

describe('GET /health', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(async () => {
    await t.close();
  });

  it('reports the branch and HEAD of the work tree, without auth', async () => {
    const res = await t.http.get('/health');
    expect(res.status).toBe(200);
    const head = await t.fixture.deployHead();
    // Env-only mode: the one target's branch and HEAD at the top level too, as before targets.
    expect(res.body).toEqual({
      status: 'ok',
      branch: 'main',
      head,
      targets: [{ id: 'default', status: 'ok', branch: 'main', head, paused: false }],
    });
  });

  it('answers 503 with a reason when the work tree is unusable, and recovers', async () => {
    const gitDir = join(t.fixture.deploy, '.git');
    await rename(gitDir, `${gitDir}.away`);
    try {
      const res = await t.http.get('/health');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({
        status: 'unavailable',
        reason: expect.any(String),
        branch: null,
        head: null,
        targets: [{ id: 'default', status: 'error', branch: null, head: null, paused: false }],
      });
      expect(JSON.stringify(res.body)).not.toContain(t.fixture.root);
    } finally {
      await rename(`${gitDir}.away`, gitDir);
    }
    expect((await t.http.get('/health')).status).toBe(200);
  });
});

describe('GET /deployments', () => {
  let t: TestApp;
  const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
  let ids: number[];
  let shas: string[];

  beforeAll(async () => {
    t = await TestApp.start();
    ids = [];
    shas = [];
    for (let i = 0; i < 3; i += 1) {
      const sha = await t.fixture.commitAndPush();
      const res = await t.deliverPush({ after: sha }, { id: `api-${i}` });
      await t.settled(res.body.deploymentId);
      ids.push(res.body.deploymentId);
      shas.push(sha);
    }
  });
  afterAll(async () => {
    await t.close();
  });

  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer wrong' }],
    ['a token prefix', { authorization: `Bearer ${TEST_ADMIN_TOKEN.slice(0, -1)}` }],
    ['another scheme', { authorization: `Basic ${TEST_ADMIN_TOKEN}` }],
  ])('401 with %s', async (_name, headers) => {
    const list = await t.http.get('/deployments').set(headers);
    const one = await t.http.get(`/deployments/${ids[0]}`).set(headers);
    expect([list.status, one.status]).toEqual([401, 401]);
    expect(list.body).toEqual({ error: expect.any(String) });
  });

  it('lists deployments newest first with every contract field', async () => {
    const res = await t.http.get('/deployments').set(auth);
    expect(res.status).toBe(200);
    expect(res.body.map((d: { id: number }) => d.id)).toEqual([...ids].reverse());
    const newest = res.body[0];
    expect(newest).toEqual({
      id: ids[2],
      target: 'default',
      status: 'succeeded',
      trigger: 'push',
      deliveries: ['api-2'],
      ref: 'refs/heads/main',
      requestedSha: shas[2],
      headBefore: shas[1],
      headAfter: shas[2],
      queuedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      startedAt: expect.stringMatching(/Z$/),
      finishedAt: expect.stringMatching(/Z$/),
      error: null,
      release: null,
      report: null,
      log: expect.stringMatching(/git .*fetch[^]*git .*merge --ff-only/),
    });
    expect(Date.parse(newest.queuedAt)).toBeLessThanOrEqual(Date.parse(newest.startedAt));
    expect(Date.parse(newest.startedAt)).toBeLessThanOrEqual(Date.parse(newest.finishedAt));
  });

  it('returns one deployment by id', async () => {
    const res = await t.http.get(`/deployments/${ids[1]}`).set(auth);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: ids[1], deliveries: ['api-1'], headAfter: shas[1] });
  });

  it('404 for an unknown id, 400 for an id that is not a number', async () => {
    expect((await t.http.get('/deployments/999').set(auth)).status).toBe(404);
    const bad = await t.http.get('/deployments/abc').set(auth);
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: expect.stringContaining('positive integer') });
  });
});

describe('GET /deployments without ADMIN_TOKEN', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start({ env: { ADMIN_TOKEN: '' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('does not exist: 404, whatever the Authorization header', async () => {
    for (const path of ['/deployments', '/deployments/1']) {
      const res = await t.http.get(path).set({ authorization: 'Bearer anything' });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: expect.any(String) });
    }
  });

  it('answers unknown routes with 404 in the same { error } shape', async () => {
    const res = await t.http.get('/nope');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'Cannot GET /nope' });
  });
});
