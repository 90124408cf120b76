import { describe, expect, it } from '@jest/globals';
import type { IncomingHttpHeaders } from 'node:http';
import { BRANCH_DELETE_EXAMPLE, BRANCH_PUSH_EXAMPLE, TAG_PUSH_EXAMPLE } from '../../test/fixtures/deliveries.js';
import { DeliveryError, parseDelivery } from './delivery.js';
import { OFF_THREAD_BYTES, parseDeliveryOffThread } from './parse-off-thread.js';
import { decide as decideEvent, type Decision, type DeployTarget } from '../forges/decide.js';
import { github } from '../forges/github.js';

/** A GitHub delivery's decision: its adapter reads it, the forge-neutral decide() rules. */
function decide(event: string, payload: object, target: DeployTarget): Decision {
  return decideEvent(github.normalize(event, payload), target);
}

const HEADERS = { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'big-1' };
const TARGETS: DeployTarget[] = [
  { branch: 'main', repository: undefined },
  { branch: 'main', repository: (BRANCH_PUSH_EXAMPLE.repository as { full_name: string }).full_name },
  { branch: 'main', repository: 'someone/else' },
  { branch: 'other', repository: undefined },
];

/** `text` padded with JSON whitespace past the worker threshold: the same payload, a big body. */
function big(text: string): Buffer {
  return Buffer.from(text + ' '.repeat(OFF_THREAD_BYTES));
}

async function failure(headers: IncomingHttpHeaders, body: Buffer): Promise<DeliveryError> {
  const error = await parseDeliveryOffThread(headers, body).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (error instanceof DeliveryError) return error;
  throw new Error(`expected a DeliveryError, got ${String(error)}`);
}

describe('parseDeliveryOffThread', () => {
  it('parses a small body on the calling thread, exactly like parseDelivery', async () => {
    const body = Buffer.from(JSON.stringify(BRANCH_PUSH_EXAMPLE));
    expect(await parseDeliveryOffThread(HEADERS, body)).toEqual(parseDelivery(HEADERS, body));
  });

  it.each([
    ['a branch push', { ...BRANCH_PUSH_EXAMPLE, ref: 'refs/heads/main' }],
    ['a tag push', TAG_PUSH_EXAMPLE],
    ['a branch deletion', { ...BRANCH_DELETE_EXAMPLE, ref: 'refs/heads/main' }],
    ['a push without repository', { ...BRANCH_PUSH_EXAMPLE, ref: 'refs/heads/main', repository: null }],
    ['a push with a bad after', { ...BRANCH_PUSH_EXAMPLE, ref: 'refs/heads/main', after: 'nope' }],
  ])('on the worker, %s leads to the same decision as the whole payload', async (_name, payload) => {
    // A push of 20,000 commits: megabytes that no decision reads.
    const commit = (BRANCH_PUSH_EXAMPLE as { commits: unknown[] }).commits[0];
    const commits = Array.from({ length: 20_000 }, () => commit);
    const text = JSON.stringify({ ...payload, commits });
    const delivery = await parseDeliveryOffThread(HEADERS, big(text));
    expect(delivery).toMatchObject({ id: 'big-1', generatedId: false, event: 'push' });
    // The commits do not come back: only the small rest of the payload.
    expect(text.length).toBeGreaterThan(OFF_THREAD_BYTES);
    expect(JSON.stringify(delivery.payload).length).toBeLessThan(16 * 1024);
    for (const target of TARGETS) {
      expect(decide('push', delivery.payload, target)).toEqual(decide('push', JSON.parse(text) as object, target));
    }
  });

  // 600 000 levels of arrays: 1.2 MB, past the worker threshold without padding.
  const DEEP = '['.repeat(600_000) + ']'.repeat(600_000);

  it.each([
    ['ref', (push: Record<string, unknown>) => ({ ...push, ref: '<deep>' })],
    ['after', (push: Record<string, unknown>) => ({ ...push, ref: 'refs/heads/main', after: '<deep>' })],
    ['before', (push: Record<string, unknown>) => ({ ...push, ref: 'refs/heads/main', before: '<deep>' })],
    ['deleted', (push: Record<string, unknown>) => ({ ...push, deleted: '<deep>' })],
    ['repository', (push: Record<string, unknown>) => ({ ...push, ref: 'refs/heads/main', repository: '<deep>' })],
    [
      'repository.full_name',
      (push: Record<string, unknown>) => ({ ...push, ref: 'refs/heads/main', repository: { full_name: '<deep>' } }),
    ],
    ['an unread field', (push: Record<string, unknown>) => ({ ...push, ref: 'refs/heads/main', a: '<deep>' })],
  ])('a value nested 600 000 deep in %s comes back as the same decision as on the main thread', async (_f, make) => {
    const body = Buffer.from(JSON.stringify(make(BRANCH_PUSH_EXAMPLE)).replace('"<deep>"', DEEP));
    expect(body.length).toBeGreaterThanOrEqual(OFF_THREAD_BYTES);
    const inline = parseDelivery(HEADERS, body);
    const delivery = await parseDeliveryOffThread(HEADERS, Buffer.from(body));
    for (const target of TARGETS) {
      expect(decide('push', delivery.payload, target)).toEqual(decide('push', inline.payload, target));
    }
  });

  it('reads a big form-encoded payload field on the worker', async () => {
    const form = new URLSearchParams({ payload: JSON.stringify(BRANCH_PUSH_EXAMPLE) + ' '.repeat(OFF_THREAD_BYTES) });
    const delivery = await parseDeliveryOffThread(
      { ...HEADERS, 'content-type': 'application/x-www-form-urlencoded' },
      Buffer.from(form.toString()),
    );
    expect(delivery.payload).toMatchObject({ after: BRANCH_PUSH_EXAMPLE.after });
  });

  it.each<[number, string, IncomingHttpHeaders, Buffer]>([
    [400, 'body is not valid JSON', HEADERS, big('{"ref":')],
    [400, 'payload must be a JSON object', HEADERS, big('[1, 2, 3]')],
    [
      400,
      'form body has no payload field',
      { ...HEADERS, 'content-type': 'application/x-www-form-urlencoded' },
      big('a=b'),
    ],
    [415, 'content type must be', { ...HEADERS, 'content-type': 'text/plain' }, big('{}')],
    [400, 'missing X-GitHub-Event header', { 'content-type': 'application/json' }, big('{}')],
  ])('refuses with %i (%s) on the worker, like parseDelivery', async (status, message, headers, body) => {
    const inline = (() => {
      try {
        parseDelivery(headers, Buffer.from(body));
      } catch (error) {
        return error as DeliveryError;
      }
      throw new Error('parseDelivery accepted it');
    })();
    const error = await failure(headers, body);
    expect(error.status).toBe(status);
    expect(error.message).toContain(message);
    expect({ status: error.status, message: error.message }).toEqual({
      status: inline.status,
      message: inline.message,
    });
  });
});
