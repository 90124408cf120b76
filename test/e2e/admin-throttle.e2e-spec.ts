import { afterEach, describe, expect, it } from '@jest/globals';
import { MAX_FAILED_LOGINS } from '../../src/auth/login-throttle.js';
import { TEST_ADMIN_TOKEN, TestApp } from '../fixtures/test-app.js';

const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

describe('the login throttle', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  /** MAX_FAILED_LOGINS wrong bearer tokens, each answered 401, sent with `headers`. */
  async function guessUntilThrottled(app: TestApp, headers: Record<string, string> = {}): Promise<void> {
    for (let i = 0; i < MAX_FAILED_LOGINS; i += 1) {
      await app.http
        .get('/deployments')
        .set({ ...headers, authorization: `Bearer guess-${i}` })
        .expect(401);
    }
    const refused = await app.http.get('/deployments').set({ ...headers, authorization: 'Bearer guess-x' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  }

  it('refuses only failures: the right token, the session cookie and the right sign-in still pass from a throttled address', async () => {
    t = await TestApp.start();
    await guessUntilThrottled(t);
    await t.http.post('/session').send({ token: 'wrong' }).expect(429);

    expect((await t.http.get('/deployments').set(auth)).status).toBe(200);
    const login = await t.http.post('/session').send({ token: TEST_ADMIN_TOKEN });
    expect(login.status).toBe(204);
    const cookie = (login.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
    expect((await t.http.get('/deployments').set('cookie', cookie)).status).toBe(200);

    // A success does not refill the budget of whoever else shares the address.
    await t.http.get('/deployments').set({ authorization: 'Bearer guess-y' }).expect(429);
  });

  it('without TRUST_PROXY, ignores X-Forwarded-For: a client cannot dodge the count by forging it', async () => {
    t = await TestApp.start();
    for (let i = 0; i < MAX_FAILED_LOGINS; i += 1) {
      await t.http
        .get('/deployments')
        .set({ 'x-forwarded-for': `198.51.100.${i}`, authorization: `Bearer guess-${i}` })
        .expect(401);
    }
    const forged = await t.http
      .get('/deployments')
      .set({ 'x-forwarded-for': '198.51.100.99', authorization: 'Bearer guess-x' });
    expect(forged.status).toBe(429);
  });

  it('with TRUST_PROXY=loopback, counts each client behind the proxy by its X-Forwarded-For address', async () => {
    t = await TestApp.start({ env: { TRUST_PROXY: 'loopback' } });
    // What nginx sends: the client's own (possibly forged) header, then the address it saw.
    await guessUntilThrottled(t, { 'x-forwarded-for': '10.9.9.9, 203.0.113.1' });
    const other = await t.http
      .get('/deployments')
      .set({ 'x-forwarded-for': '203.0.113.2', authorization: 'Bearer guess-0' });
    expect(other.status).toBe(401);
    // Forging the first address changes nothing: the proxy's own entry is the client.
    const forged = await t.http
      .get('/deployments')
      .set({ 'x-forwarded-for': '10.0.0.1, 203.0.113.1', authorization: 'Bearer guess-z' });
    expect(forged.status).toBe(429);
    const login = await t.http.post('/session').set('x-forwarded-for', '203.0.113.1').send({ token: 'wrong' });
    expect(login.status).toBe(429);
  });

  it('with TRUST_PROXY set to another address, the loopback peer is not a proxy: its header is ignored', async () => {
    t = await TestApp.start({ env: { TRUST_PROXY: '192.0.2.10' } });
    await guessUntilThrottled(t, { 'x-forwarded-for': '203.0.113.1' });
    const other = await t.http
      .get('/deployments')
      .set({ 'x-forwarded-for': '203.0.113.2', authorization: 'Bearer guess-0' });
    expect(other.status).toBe(429);
  });
});
