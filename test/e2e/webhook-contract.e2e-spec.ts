import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEFAULT_TARGET_ID } from '../../src/domain/target.js';
import { sign } from '../../src/webhook/verify-signature.js';
import {
  BRANCH_DELETE_EXAMPLE,
  signedDelivery,
  ISSUES_EXAMPLE,
  PING_EXAMPLE,
  TAG_PUSH_EXAMPLE,
  pushPayload,
} from '../fixtures/deliveries.js';
import { rawPost } from '../fixtures/raw-post.js';
import { TEST_SECRET, TestApp } from '../fixtures/test-app.js';

// Every row of the contract's POST $WEBHOOK_PATH table, in its order, against the real app.
describe('POST /github: the contract table', () => {
  let t: TestApp;
  let headAtStart: string;

  beforeAll(async () => {
    t = await TestApp.start({
      fixture: { originUrl: 'https://github.com/Codertocat/Hello-World.git' },
    });
    headAtStart = await t.fixture.deployHead();
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (headers: Record<string, string>, body: string | Buffer) =>
    t.http.post('/github').set(headers).send(body);

  describe('413: body over 25 MiB', () => {
    const oversized = Buffer.alloc(25 * 1024 * 1024 + 1, 'a');
    const headers = { 'content-type': 'application/json', 'x-github-event': 'push' };

    it('refuses a declared Content-Length over 25 MiB with 413 before reading it or checking the signature', async () => {
      const res = await rawPost(t.server, '/github', { ...headers, 'content-length': oversized.length }, oversized);
      expect(res).toEqual({ status: 413, body: { error: expect.stringContaining('25 MiB') } });
    });

    it('refuses a chunked body that grows past 25 MiB with 413', async () => {
      const res = await rawPost(t.server, '/github', { ...headers, 'transfer-encoding': 'chunked' }, oversized, {
        chunked: true,
      });
      expect(res).toEqual({ status: 413, body: { error: expect.stringContaining('25 MiB') } });
    });

    it('accepts a body of exactly 25 MiB as far as the signature check', async () => {
      const body = Buffer.alloc(25 * 1024 * 1024, ' ');
      const res = await rawPost(t.server, '/github', { ...headers, 'x-hub-signature-256': sign('wrong', body) }, body);
      expect(res.status).toBe(401);
    });
  });

  describe('401: signature', () => {
    const body = JSON.stringify(PING_EXAMPLE);
    const base = { 'content-type': 'application/json', 'x-github-event': 'ping' };
    const cases: [string, Record<string, string>][] = [
      ['no signature header', {}],
      ['sha256 header without "="', { 'x-hub-signature-256': sign(TEST_SECRET, body).replace('=', '') }],
      [
        'sha256 header with the wrong algorithm name',
        { 'x-hub-signature-256': sign(TEST_SECRET, body).replace('sha256', 'sha512') },
      ],
      ['sha256 header with odd-length hex', { 'x-hub-signature-256': sign(TEST_SECRET, body).slice(0, -1) }],
      ['sha256 header with non-hex digits', { 'x-hub-signature-256': `sha256=${'z'.repeat(64)}` }],
      ['sha256 over another secret', { 'x-hub-signature-256': sign('not the secret', body) }],
      ['sha256 over other bytes', { 'x-hub-signature-256': sign(TEST_SECRET, `${body} `) }],
      [
        'a wrong sha256 next to a right sha1',
        { 'x-hub-signature-256': sign('nope', body), 'x-hub-signature': sign(TEST_SECRET, body, 'sha1') },
      ],
      ['sha1 alone, over another secret', { 'x-hub-signature': sign('not the secret', body, 'sha1') }],
      ['sha1 alone, sha256-sized', { 'x-hub-signature': sign(TEST_SECRET, body).replace('sha256', 'sha1') }],
    ];
    it.each(cases)('401 for %s', async (_name, signature) => {
      const res = await post({ ...base, ...signature }, body);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: expect.any(String) });
    });

    it('an unsigned request with a wrong content type is 401, not 415 (the signature is checked first)', async () => {
      const res = await rawPost(t.server, '/github', { 'content-type': 'text/plain', 'x-github-event': 'push' }, 'hi');
      expect(res.status).toBe(401);
    });

    it('a bad signature answers 401 even when the body is not JSON (nothing parsed before the HMAC)', async () => {
      const res = await post({ ...base, 'x-hub-signature-256': sign('wrong', '{nope') }, '{nope');
      expect(res.status).toBe(401);
    });

    it('accepts the sha1 header alone (what the original tutorial checked)', async () => {
      const res = await post({ ...base, 'x-hub-signature': sign(TEST_SECRET, body, 'sha1') }, body);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'pong' });
    });

    it('never reveals the expected digest in the answer', async () => {
      const res = await post({ ...base, 'x-hub-signature-256': sign('nope', body) }, body);
      const expected = sign(TEST_SECRET, body).slice('sha256='.length);
      expect(JSON.stringify(res.body)).not.toContain(expected);
      expect(JSON.stringify(res.body)).not.toContain(TEST_SECRET);
    });
  });

  describe('415: content type', () => {
    it.each(['text/plain', 'application/xml', ''])('415 for content type "%s" even when signed', async (type) => {
      const body = JSON.stringify(PING_EXAMPLE);
      const headers: Record<string, string> = {
        'x-github-event': 'ping',
        'x-hub-signature-256': sign(TEST_SECRET, body),
      };
      if (type) headers['content-type'] = type;
      const res = await rawPost(t.server, '/github', headers, body);
      expect(res.status).toBe(415);
      expect(res.body).toEqual({ error: expect.stringContaining('content type') });
    });

    it('accepts a charset parameter on application/json', async () => {
      const body = JSON.stringify(PING_EXAMPLE);
      const res = await post(
        {
          'content-type': 'application/json; charset=utf-8',
          'x-github-event': 'ping',
          'x-hub-signature-256': sign(TEST_SECRET, body),
        },
        body,
      );
      expect(res.body).toEqual({ status: 'pong' });
    });
  });

  describe('400: body and event', () => {
    /** Correctly signed bytes, so only the body decides. */
    const postSigned = (contentType: string, body: string) =>
      post(
        { 'content-type': contentType, 'x-github-event': 'push', 'x-hub-signature-256': sign(TEST_SECRET, body) },
        body,
      );

    it.each([
      ['a JSON body that is not JSON', 'application/json', '{"ref": ', 'JSON'],
      ['a form body without a payload field', 'application/x-www-form-urlencoded', 'other=1', 'payload'],
      ['a form payload field that is not JSON', 'application/x-www-form-urlencoded', 'payload=%7Bnope', 'JSON'],
    ])('400 for %s', async (_name, contentType, body, mentions) => {
      const res = await postSigned(contentType, body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: expect.stringContaining(mentions) });
    });

    it('400 for JSON that is not an object', async () => {
      const res = await t.deliver([1, 2, 3], { event: 'push' });
      expect(res.status).toBe(400);
    });

    it('400 when X-GitHub-Event is missing', async () => {
      const body = JSON.stringify(PING_EXAMPLE);
      const res = await post(
        { 'content-type': 'application/json', 'x-hub-signature-256': sign(TEST_SECRET, body) },
        body,
      );
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: expect.stringContaining('X-GitHub-Event') });
    });

    it('400 for a push to the deployed branch without a usable after commit', async () => {
      const res = await t.deliver(pushPayload({ after: 'not-a-commit' }));
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: expect.stringContaining('after') });
    });

    it('400 for a push without a ref', async () => {
      const res = await t.deliver({ ...pushPayload({ after: 'a'.repeat(40) }), ref: undefined });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: expect.stringContaining('ref') });
    });
  });

  describe('200: ping and ignored deliveries', () => {
    it('answers ping with pong (GitHub sends it when the hook is created)', async () => {
      const res = await t.deliver(PING_EXAMPLE, { event: 'ping' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'pong' });
    });

    it('ignores events other than push and ping', async () => {
      const res = await t.deliver(ISSUES_EXAMPLE, { event: 'issues' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ignored', reason: expect.stringContaining('issues') });
    });

    it('ignores a branch deletion', async () => {
      const res = await t.deliver(BRANCH_DELETE_EXAMPLE);
      expect(res.body).toEqual({ status: 'ignored', reason: expect.stringContaining('deleted') });
    });

    it('ignores a deletion whatever its commit fields say', async () => {
      const res = await t.deliver({ ...BRANCH_DELETE_EXAMPLE, after: null, before: null });
      expect(res.body).toEqual({ status: 'ignored', reason: expect.stringContaining('deleted') });
    });

    it('ignores a tag push (GitHub example payload)', async () => {
      const res = await t.deliver(TAG_PUSH_EXAMPLE);
      expect(res.body).toEqual({ status: 'ignored', reason: expect.stringContaining('tag') });
    });

    it('ignores a push to another branch', async () => {
      const sha = await t.fixture.commitAndPush();
      const res = await t.deliverPush({ ref: 'refs/heads/feature', after: sha });
      expect(res.body).toEqual({ status: 'ignored', reason: expect.stringContaining('refs/heads/feature') });
    });

    it('ignores a push to another repository (DEPLOY_REPOSITORY from the GitHub origin)', async () => {
      expect(t.config.targets[0]!.repository).toBe('Codertocat/Hello-World');
      const sha = await t.fixture.commitAndPush();
      const res = await t.deliverPush({ after: sha, repository: 'someone/else' });
      expect(res.body).toEqual({ status: 'ignored', reason: expect.stringContaining('someone/else') });
    });

    it('compares the repository case-insensitively', async () => {
      const sha = await t.fixture.commitAndPush();
      const res = await t.deliverPush({ after: sha, repository: 'CODERTOCAT/hello-world' });
      expect(res.status).toBe(202);
      await t.settled(res.body.deploymentId);
    });

    it('none of the refused or ignored deliveries created a deployment', async () => {
      const deployments = t.deployments();
      // Only the case-insensitive push above deployed.
      expect(deployments).toHaveLength(1);
      expect(deployments[0]!.headBefore).toBe(headAtStart);
    });
  });

  describe('202 and duplicates', () => {
    it('queues a push to the deployed branch and answers before the deploy is done', async () => {
      const sha = await t.fixture.commitAndPush();
      const res = await t.deliverPush({ after: sha }, { id: 'delivery-202' });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ status: 'queued', deploymentId: expect.any(Number), delivery: 'delivery-202' });
      const deployment = await t.settled(res.body.deploymentId);
      expect(deployment).toMatchObject({
        status: 'succeeded',
        requestedSha: sha,
        headAfter: sha,
        deliveries: ['delivery-202'],
      });
      expect(await t.fixture.deployHead()).toBe(sha);
    });

    it('accepts a push without X-GitHub-Delivery under a generated id', async () => {
      const sha = await t.fixture.commitAndPush();
      const { headers, body } = signedDelivery(pushPayload({ after: sha }), { secret: TEST_SECRET });
      delete headers['x-github-delivery'];
      const res = await t.http.post('/github').set(headers).send(body);
      expect(res.status).toBe(202);
      expect(res.body.delivery).toMatch(/^local-[0-9a-f-]{36}$/);
      expect(await t.settled(res.body.deploymentId)).toMatchObject({
        status: 'succeeded',
        deliveries: [res.body.delivery],
      });
    });

    it('answers a delivery id already accepted with duplicate and the same deployment', async () => {
      const first = t.deliveries.acceptedBy(DEFAULT_TARGET_ID, 'delivery-202');
      expect(first).toEqual(expect.any(Number));
      const sha = await t.fixture.commitAndPush();
      const res = await t.deliverPush({ after: sha }, { id: 'delivery-202' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'duplicate', deploymentId: first });
      expect(t.deployments().filter((d) => d.deliveries.includes('delivery-202'))).toHaveLength(1);
    });

    it("deploys a form-encoded delivery (GitHub's other content type) verified over its raw bytes", async () => {
      const sha = await t.fixture.commitAndPush();
      const res = await t.deliver(pushPayload({ after: sha }), { form: true });
      expect(res.status).toBe(202);
      expect(await t.settled(res.body.deploymentId)).toMatchObject({ status: 'succeeded', headAfter: sha });
    });
  });

  it('logs the delivery id on every webhook and deploy line, and never the secret', () => {
    const lines = t.logs.lines.filter((line) => /\[(Webhook|Deploy)\]/.test(line));
    expect(lines.length).toBeGreaterThan(20);
    for (const line of lines) expect(line).toMatch(/\bdeliver(y|ies) \S/);
    // The same ids as fields, for machines: `delivery`, or a deployment's `deliveries`.
    const records = t.logs.records.filter((record) => /^(Webhook|Deploy)$/.test(record.context ?? ''));
    expect(records).toHaveLength(lines.length);
    for (const record of records) {
      const ids = typeof record.delivery === 'string' ? [record.delivery] : ((record.deliveries as string[]) ?? []);
      // Only a refused request without an X-GitHub-Delivery header has no id at all.
      if (ids.length === 0) expect(record.msg).toMatch(/^delivery -: refused, /);
      for (const id of ids) expect(record.msg).toContain(id);
    }
    expect(t.logs.text()).toContain('delivery delivery-202');
    expect(t.logs.text()).not.toContain(TEST_SECRET);
    expect(t.logs.text()).toMatch(/Repository updated with commit [0-9a-f]{7}\b/);
  });
});
