import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type request from 'supertest';
import { TEST_ADMIN_TOKEN, TEST_SECRET, TestApp } from '../fixtures/test-app.js';
import { signedDelivery } from '../fixtures/deliveries.js';

const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

/** What every answer but the dashboard's page and the event stream carries. */
const NO_STORE = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

describe('response headers', () => {
  let t: TestApp;
  let deploymentId: number;
  beforeAll(async () => {
    t = await TestApp.start({ env: { DEPLOY_COMMAND: 'echo "<script>alert(1)</script>"' } });
    const res = await t.deliverPush({ after: await t.fixture.commitAndPush() });
    deploymentId = res.body.deploymentId;
    await t.settled(deploymentId);
  });
  afterAll(async () => {
    await t.close();
  });

  const routes: [string, (t: TestApp) => request.Test, number][] = [
    ['GET /health', (t) => t.http.get('/health'), 200],
    ['GET /deployments (logs streamed)', (t) => t.http.get('/deployments').set(auth), 200],
    ['GET /deployments?log=false', (t) => t.http.get('/deployments?log=false').set(auth), 200],
    ['GET /deployments/:id', (t) => t.http.get(`/deployments/${deploymentId}`).set(auth), 200],
    ['GET /deployments/:id/log (command output)', (t) => t.http.get(`/deployments/${deploymentId}/log`).set(auth), 200],
    ['GET /deliveries', (t) => t.http.get('/deliveries').set(auth), 200],
    ['GET /session', (t) => t.http.get('/session').set(auth), 200],
    ['GET /metrics', (t) => t.http.get('/metrics'), 200],
    ['a webhook ping', (t) => t.deliver({ zen: 'hi' }, { event: 'ping' }), 200],
    ['a webhook push ignored', (t) => t.deliverPush({ after: 'a'.repeat(40), ref: 'refs/heads/other' }), 200],
    [
      'a webhook with a wrong signature (401)',
      (t) => {
        const { headers, body } = signedDelivery({ zen: 'hi' }, { secret: 'not the secret', event: 'ping' });
        return t.http.post('/github').set(headers).send(body);
      },
      401,
    ],
    [
      'a webhook of another content type (415)',
      (t) => {
        const { headers, body } = signedDelivery({ zen: 'hi' }, { secret: TEST_SECRET, event: 'ping' });
        return t.http
          .post('/github')
          .set({ ...headers, 'content-type': 'text/plain' })
          .send(body);
      },
      415,
    ],
    ['GET /deployments without a token (401)', (t) => t.http.get('/deployments'), 401],
    ['GET /deployments/:id of none (404)', (t) => t.http.get('/deployments/999').set(auth), 404],
    ['GET /deployments/x (400)', (t) => t.http.get('/deployments/x').set(auth), 400],
    ['GET /deployments?limit=0 (400)', (t) => t.http.get('/deployments?limit=0').set(auth), 400],
    ['POST /session with a wrong token (401)', (t) => t.http.post('/session').send({ token: 'wrong' }), 401],
    ['POST /deployments with a body (400)', (t) => t.http.post('/deployments').set(auth).send({ x: 1 }), 400],
    ['an unknown route (404)', (t) => t.http.get('/no/such/route'), 404],
    ['an unknown method on a route (404)', (t) => t.http.put('/health'), 404],
  ];

  it.each(routes)('%s: Cache-Control: no-store and X-Content-Type-Options: nosniff', async (_name, send, status) => {
    const res = await send(t);
    expect(res.status).toBe(status);
    expect(res.headers).toMatchObject(NO_STORE);
  });

  it('a webhook body over 25 MiB (413, answered before the body is read)', async () => {
    const { port } = t.server.address() as AddressInfo;
    const answer = await new Promise<{ status: number; headers: IncomingHttpHeaders }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/github',
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': 26 * 1024 * 1024 },
        },
        (res) => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers });
          req.destroy();
        },
      );
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(answer.status).toBe(413);
    expect(answer.headers).toMatchObject(NO_STORE);
  });

  it('the dashboard page keeps its own headers (no-cache, nosniff, its CSP)', async () => {
    const res = await t.http.get('/');
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({ 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('the event stream keeps no-cache, no-transform (proxies must pass it through), and is nosniff', async () => {
    const res = await t.http.get(`/deployments/${deploymentId}/events`).set(auth);
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({
      'cache-control': 'no-cache, no-transform',
      'x-content-type-options': 'nosniff',
    });
  });
});
