import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sign } from '../../src/webhook/verify-signature.js';
import { pushPayload } from '../fixtures/deliveries.js';
import { TEST_ADMIN_TOKEN, TEST_SECRET, TestApp } from '../fixtures/test-app.js';

/** A signed push whose `ref` is arrays nested `depth` deep: valid JSON, 2 bytes a level. */
function deepPush(depth: number): string {
  const push = pushPayload({ after: 'a'.repeat(40), ref: '<deep>' });
  return JSON.stringify(push).replace('"<deep>"', '['.repeat(depth) + ']'.repeat(depth));
}

describe('POST /github: a signed, deeply nested body is a 400 at any size', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(async () => {
    await t.close();
  });

  it.each([
    ['under 1 MiB (parsed on the main thread)', 'deep-small', 100_000],
    ['of 1 MiB or more (parsed on a worker)', 'deep-big', 600_000],
  ])('%s: 400 and journaled as rejected', async (_name, id, depth) => {
    const body = deepPush(depth);
    expect(body.length >= 1024 * 1024).toBe(depth > 500_000);
    // Signed over the text itself: JSON.stringify of such a value would overflow the stack.
    const res = await t.http
      .post('/github')
      .set({
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': id,
        'x-hub-signature-256': sign(TEST_SECRET, body),
      })
      .send(body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'push payload has no ref' });
    const journal = await t.http.get('/deliveries').set('authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
    expect(journal.body).toContainEqual(
      expect.objectContaining({ id, outcome: 'rejected', statusCode: 400, reason: 'push payload has no ref' }),
    );
    expect(t.deployments()).toEqual([]);
  });
});
