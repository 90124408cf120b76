import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { pushPayload } from '../fixtures/deliveries.js';
import { GitFixture } from '../fixtures/git-fixture.js';
import { LIVE_SECRET, LiveService, workTreeState } from '../fixtures/live-service.js';
import { expectedAnswer } from '../fixtures/webhook-oracle.js';

/** Fixed, so that a failure replays; FUZZ_SEED=<n> explores another sequence. */
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_428);
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const DEPLOY_REPOSITORY = 'octo-org/deploy-me';
const TEST_TIMEOUT = 120_000;

// ---------------------------------------------------------------------------------------
// What a case is made of, symbolically: commits are resolved when the case runs, because
// which commit is deployed and which is only on origin changes as the run goes.

type ShaChoice = 'tip' | 'head' | 'first' | { unknown: string } | 'UPPER' | 'short' | 'number' | 'null' | 'missing';

interface PushSpec {
  ref: string | null;
  after: ShaChoice;
  before: ShaChoice;
  repository: string | 'no-object' | 'no-full-name' | null;
  deleted: boolean | 'true' | null;
}

type BodySpec =
  | { kind: 'push'; push: PushSpec; encoding: 'json' | 'form' | 'form-other-field' | 'form-not-json' }
  | { kind: 'json'; text: string; encoding: 'json' | 'form' }
  | { kind: 'deep'; push: PushSpec; depth: number }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'text'; text: string };

type Signature =
  | 'right'
  | 'right-upper'
  | 'other-body'
  | 'other-secret'
  | 'no-equals'
  | 'other-algorithm'
  | 'prefix-case'
  | 'short'
  | 'not-hex'
  | 'empty'
  | { random: string }
  | null;

interface Case {
  sha256: Signature;
  sha1: Signature;
  contentType: string | null;
  event: string | null;
  delivery: string | null;
  body: BodySpec;
  chunked: boolean;
  lowerCaseNames: boolean;
}

const hex = (length: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });

const shaChoice: fc.Arbitrary<ShaChoice> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<ShaChoice>('tip', 'head', 'first') },
  { weight: 2, arbitrary: fc.oneof(hex(40), hex(64)).map((unknown) => ({ unknown })) },
  { weight: 2, arbitrary: fc.constantFrom<ShaChoice>('UPPER', 'short', 'number', 'null', 'missing') },
);

const validPush: fc.Arbitrary<PushSpec> = fc.record({
  ref: fc.constant('refs/heads/main'),
  after: fc.constantFrom<ShaChoice>('tip', 'head', 'first'),
  before: fc.constantFrom<ShaChoice>('head', 'first'),
  repository: fc.constantFrom(DEPLOY_REPOSITORY, DEPLOY_REPOSITORY.toUpperCase()),
  deleted: fc.constantFrom(false, null),
});

const anyPush: fc.Arbitrary<PushSpec> = fc.record({
  ref: fc.oneof(
    { weight: 4, arbitrary: fc.constant('refs/heads/main') },
    { weight: 3, arbitrary: fc.constantFrom('refs/heads/feature', 'refs/tags/v1.0', 'refs/heads/Main', 'main', '') },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
    { weight: 1, arbitrary: fc.constant(null) },
  ),
  after: shaChoice,
  before: shaChoice,
  repository: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(DEPLOY_REPOSITORY, 'Octo-Org/Deploy-Me') },
    { weight: 2, arbitrary: fc.constantFrom('someone/else', '', 'no-object', 'no-full-name') },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
    { weight: 1, arbitrary: fc.constant(null) },
  ),
  deleted: fc.constantFrom<PushSpec['deleted']>(false, false, true, 'true', null),
});

const signature: fc.Arbitrary<Signature> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Signature>('right') },
  { weight: 1, arbitrary: fc.constant<Signature>('right-upper') },
  {
    weight: 4,
    arbitrary: fc.constantFrom<Signature>(
      'other-body',
      'other-secret',
      'no-equals',
      'other-algorithm',
      'prefix-case',
      'short',
      'not-hex',
      'empty',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 80 }).map((random) => ({ random })) },
  { weight: 3, arbitrary: fc.constant(null) },
);

const jsonTypes = [
  'application/json',
  'Application/JSON',
  'application/json; charset=utf-8',
  'application/json;charset=UTF-8;x="y"',
  '  application/json  ',
  'application/json;',
];
const formTypes = ['application/x-www-form-urlencoded', 'APPLICATION/X-WWW-FORM-URLENCODED; charset=utf-8'];
const otherTypes = [
  'text/plain',
  'application/jsonp',
  'text/json',
  'application/x-json',
  'multipart/form-data; boundary=x',
  ';application/json',
  '',
];
const contentType: fc.Arbitrary<string | null> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...jsonTypes, ...formTypes) },
  { weight: 2, arbitrary: fc.constantFrom(...otherTypes) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constant(null) },
);

const bodySpec: fc.Arbitrary<BodySpec> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('push' as const),
      push: anyPush,
      encoding: fc.constantFrom('json', 'json', 'form', 'form-other-field', 'form-not-json'),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('json' as const),
      text: fc.json({ maxDepth: 3 }),
      encoding: fc.constantFrom('json', 'form'),
    }),
  },
  // A push that also carries an array nested thousands deep: parsed, it must not be walked recursively.
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('deep' as const),
      push: anyPush,
      depth: fc.constantFrom(1, 100, 10_000, 100_000),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 300 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('text' as const), text: fc.string({ maxLength: 200 }) }) },
);

const deliveryId: fc.Arbitrary<string | null> = fc.oneof(
  { weight: 4, arbitrary: fc.uuid() },
  // A few ids used again and again: duplicates once one of them was accepted.
  { weight: 3, arbitrary: fc.constantFrom('pooled-1', 'pooled-2', ' pooled-3 ') },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constant(null) },
);

/** Mostly anything; one case in eight a genuine, deployable GitHub delivery in one of its forms. */
const fuzzCase: fc.Arbitrary<Case> = fc.oneof(
  {
    weight: 7,
    arbitrary: fc.record({
      sha256: signature,
      sha1: signature,
      contentType,
      event: fc.oneof(
        { weight: 5, arbitrary: fc.constantFrom('push', 'push', 'ping', 'issues', 'PUSH', ' push ', 'ping', '') },
        { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
        { weight: 1, arbitrary: fc.constant(null) },
      ),
      delivery: deliveryId,
      body: bodySpec,
      chunked: fc.boolean(),
      lowerCaseNames: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({
        algorithm: fc.constantFrom('sha256', 'sha1', 'both'),
        form: fc.boolean(),
        push: validPush,
        delivery: deliveryId,
        chunked: fc.boolean(),
        lowerCaseNames: fc.boolean(),
      })
      .map(({ algorithm, form, push, delivery, chunked, lowerCaseNames }): Case => ({
        sha256: algorithm === 'sha1' ? null : 'right',
        // With both, a wrong X-Hub-Signature does not matter: SHA-256 decides.
        sha1: algorithm === 'sha256' ? null : algorithm === 'both' ? 'other-body' : 'right',
        contentType: form ? formTypes[0]! : jsonTypes[0]!,
        event: 'push',
        delivery,
        body: { kind: 'push', push, encoding: form ? 'form' : 'json' },
        chunked,
        lowerCaseNames,
      })),
  },
);

// ---------------------------------------------------------------------------------------
// Turning a case into bytes and headers.

interface Commits {
  /** On origin, not deployed yet. */
  tip: string;
  /** Deployed (the clone's HEAD). */
  head: string;
  /** The very first commit. */
  first: string;
}

function resolveSha(choice: ShaChoice, commits: Commits): unknown {
  if (typeof choice === 'object') return choice.unknown;
  switch (choice) {
    case 'tip':
    case 'head':
    case 'first':
      return commits[choice];
    case 'UPPER':
      return commits.tip.toUpperCase();
    case 'short':
      return commits.tip.slice(0, 7);
    case 'number':
      return 42;
    case 'null':
      return null;
    case 'missing':
      return undefined;
  }
}

function payloadOf(push: PushSpec, commits: Commits): Record<string, unknown> {
  const payload = pushPayload({ after: 'x' });
  const set = (key: string, value: unknown): void => {
    if (value === undefined) delete payload[key];
    else payload[key] = value;
  };
  set('ref', push.ref ?? undefined);
  set('after', resolveSha(push.after, commits));
  set('before', resolveSha(push.before, commits));
  set('deleted', push.deleted ?? undefined);
  if (push.repository === null) delete payload.repository;
  else if (push.repository === 'no-object') payload.repository = DEPLOY_REPOSITORY;
  else if (push.repository === 'no-full-name') delete (payload.repository as Record<string, unknown>).full_name;
  else (payload.repository as Record<string, unknown>).full_name = push.repository;
  return payload;
}

function bodyOf(spec: BodySpec, commits: Commits): Buffer {
  switch (spec.kind) {
    case 'push': {
      const json = JSON.stringify(payloadOf(spec.push, commits));
      if (spec.encoding === 'json') return Buffer.from(json);
      if (spec.encoding === 'form') return Buffer.from(new URLSearchParams({ payload: json }).toString());
      if (spec.encoding === 'form-other-field') return Buffer.from(new URLSearchParams({ data: json }).toString());
      return Buffer.from(new URLSearchParams({ payload: json.slice(0, -1) }).toString());
    }
    case 'json':
      return Buffer.from(spec.encoding === 'json' ? spec.text : new URLSearchParams({ payload: spec.text }).toString());
    case 'deep': {
      const json = JSON.stringify(payloadOf(spec.push, commits));
      return Buffer.from(`${json.slice(0, -1)},"nested":${'['.repeat(spec.depth)}${']'.repeat(spec.depth)}}`);
    }
    case 'bytes':
      return Buffer.from(spec.bytes);
    case 'text':
      return Buffer.from(spec.text);
  }
}

function signatureOf(choice: Signature, algorithm: 'sha256' | 'sha1', body: Buffer): string | undefined {
  if (choice === null) return undefined;
  const digest = (secret: string, bytes: Buffer | string): string =>
    createHmac(algorithm, secret).update(bytes).digest('hex');
  const right = digest(LIVE_SECRET, body);
  if (typeof choice === 'object') return choice.random;
  switch (choice) {
    case 'right':
      return `${algorithm}=${right}`;
    case 'right-upper':
      return `${algorithm}=${right.toUpperCase()}`;
    case 'other-body':
      return `${algorithm}=${digest(LIVE_SECRET, Buffer.concat([body, Buffer.from(' ')]))}`;
    case 'other-secret':
      return `${algorithm}=${digest(`${LIVE_SECRET}x`, body)}`;
    case 'no-equals':
      return right;
    case 'other-algorithm':
      return `${algorithm === 'sha256' ? 'sha1' : 'sha256'}=${right}`;
    case 'prefix-case':
      return `${algorithm.toUpperCase()}=${right}`;
    case 'short':
      return `${algorithm}=${right.slice(1)}`;
    case 'not-hex':
      return `${algorithm}=${'z'.repeat(right.length)}`;
    case 'empty':
      return '';
  }
}

function requestOf(c: Case, commits: Commits): { headers: Record<string, string>; body: Buffer } {
  const body = bodyOf(c.body, commits);
  const named = (name: string): string => (c.lowerCaseNames ? name.toLowerCase() : name);
  const headers: Record<string, string> = { [named('User-Agent')]: 'GitHub-Hookshot/fuzz' };
  const add = (name: string, value: string | null | undefined): void => {
    if (value !== null && value !== undefined) headers[named(name)] = value;
  };
  add('Content-Type', c.contentType);
  add('X-GitHub-Event', c.event);
  add('X-GitHub-Delivery', c.delivery);
  add('X-Hub-Signature-256', signatureOf(c.sha256, 'sha256', body));
  add('X-Hub-Signature', signatureOf(c.sha1, 'sha1', body));
  return { headers, body };
}

// ---------------------------------------------------------------------------------------

describe('property-based fuzz of POST /github against the running process', () => {
  let fixture: GitFixture;
  let live: LiveService;

  beforeAll(async () => {
    fixture = await GitFixture.create();
    live = await LiveService.start(fixture, { DEPLOY_REPOSITORY });
  });

  afterAll(async () => {
    await live?.stop();
    await fixture?.remove();
  });

  it(
    `${RUNS} requests (seed ${SEED}): never a 5xx, a reset or a hang; each answer as documented; the work tree moves only on a 202`,
    async () => {
      const first = await fixture.deployHead();
      // origin is always one commit ahead of the clone: any deploy would show.
      const commits: Commits = { first, head: first, tip: await fixture.commitAndPush('on origin, not deployed') };
      let state = await workTreeState(fixture);
      const accepted = new Set<string>();
      let deploys = 0;
      const counts = new Map<string, number>();

      await fc.assert(
        fc.asyncProperty(fuzzCase, async (c) => {
          const { headers, body } = requestOf(c, commits);
          const expected = expectedAnswer(headers, body, {
            secret: LIVE_SECRET,
            branch: fixture.branch,
            repository: DEPLOY_REPOSITORY,
            accepted,
          });
          const exchange = await live.send(headers, body, { chunked: c.chunked, timeoutMs: 5000 });

          if (!exchange.answered) throw new Error(`no answer: ${exchange.error}`);
          expect(live.alive).toBe(true);
          expect(exchange.status).toBeLessThan(500);
          expect(exchange.ms).toBeLessThan(2000);
          const answer = exchange.body as Record<string, unknown>;
          expect({ status: exchange.status, outcome: answer.status ?? 'error' }).toEqual({
            status: expected.status,
            outcome: expected.outcome ?? 'error',
          });
          if (exchange.status >= 400) expect(Object.keys(answer)).toEqual(['error']);
          const key = `${exchange.status} ${expected.outcome ?? ''}`.trim();
          counts.set(key, (counts.get(key) ?? 0) + 1);

          if (exchange.status !== 202) {
            // Nothing deployed, nothing touched.
            expect((await live.deployments()).length).toBe(deploys);
            expect(await workTreeState(fixture)).toEqual(state);
            return;
          }

          if (expected.acceptedId !== undefined) accepted.add(expected.acceptedId);
          deploys += 1;
          const [deployment] = await live.settled(deploys);
          expect(deployment!.id).toBe(answer.deploymentId);
          const known = [commits.tip, commits.head, commits.first].includes(expected.after!);
          const now = await workTreeState(fixture);
          expect(now.status).toBe('');
          if (known) {
            expect(deployment).toMatchObject({ status: 'succeeded', headAfter: commits.tip });
            expect(now.head).toBe(commits.tip);
          } else {
            // A commit origin does not have: a failure naming it, whatever git did meanwhile.
            expect(deployment!.status).toBe('failed');
            expect(deployment!.error).toContain(expected.after!.slice(0, 7));
            expect([commits.head, commits.tip]).toContain(now.head);
          }
          commits.head = now.head;
          commits.tip = await fixture.commitAndPush();
          state = now;
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: false },
      );

      // The run exercised every row of the table, not just the 401s.
      const rows = ['401', '415', '400', '200 pong', '200 ignored', '200 duplicate', '202 queued'];
      expect(rows.filter((row) => !counts.get(row))).toEqual([]);
      expect(live.alive).toBe(true);
      expect(live.service.text()).not.toMatch(/unhandled|ExceptionsHandler|internal error/i);
      // The journal read back: every 202 of the run is in it.
      const journal = await live.deliveries();
      for (const id of accepted) expect(journal.some((r) => r.id === id && r.outcome === 'queued')).toBe(true);
      process.stdout.write(`webhook fuzz, seed ${SEED}: ${JSON.stringify(Object.fromEntries(counts))}\n`);
    },
    TEST_TIMEOUT,
  );
});
