import { describe, expect, it } from '@jest/globals';
import { createHmac, randomBytes } from 'node:crypto';
import { signedDelivery } from '../../test/fixtures/forge-deliveries.js';
import { decide } from './decide.js';
import { gitlab } from './gitlab.js';

const SIGNING_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const TOKEN = 'plain-gitlab-token';
const NOW = new Date('2026-03-01T12:00:00Z');
const TARGET = { branch: 'master', repository: 'mike/diaspora' };

function signed(offsetSeconds = 0, secret = SIGNING_SECRET) {
  return signedDelivery('gitlab', 'push', { secret, now: new Date(NOW.getTime() + offsetSeconds * 1000) });
}

function sign(secret: string, id: string, timestamp: string, body: Buffer): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64')}`;
}

describe('gitlab.verify with X-Gitlab-Token', () => {
  it.each([
    ['the same token', TOKEN, true],
    ['a token one character longer', `${TOKEN}x`, false],
    ['a prefix of the token', TOKEN.slice(0, 5), false],
    ['a token differing in case', TOKEN.toUpperCase(), false],
  ])('compares %s in constant time: authentic is %s', (_name, sent, valid) => {
    const { headers, body } = signedDelivery('gitlab', 'push', { secret: sent });
    expect(gitlab.verify(headers, body, [TOKEN], NOW).valid).toBe(valid);
  });

  it('refuses a delivery without X-Gitlab-Token', () => {
    const { headers, body } = signedDelivery('gitlab', 'push', { secret: TOKEN });
    delete headers['x-gitlab-token'];
    expect(gitlab.verify(headers, body, [TOKEN], NOW)).toEqual({
      valid: false,
      reason: 'missing X-Gitlab-Token header',
    });
  });
});

describe('gitlab.verify with a Standard Webhooks signing secret (whsec_)', () => {
  it('accepts a signature over webhook-id, webhook-timestamp and the exact body', () => {
    const { headers, body } = signed();
    expect(headers['x-gitlab-token']).toBeUndefined();
    expect(gitlab.verify(headers, body, [SIGNING_SECRET], NOW)).toEqual({ valid: true, secretIndex: 0 });
  });

  it('says which secret matched when plain tokens and signing secrets are mixed', () => {
    const { headers, body } = signed();
    expect(gitlab.verify(headers, body, [TOKEN, SIGNING_SECRET], NOW)).toEqual({ valid: true, secretIndex: 1 });
  });

  it.each([
    [-300, true],
    [300, true],
    [-301, false],
    [301, false],
  ])('with a timestamp %i s from now: authentic is %s (5 minutes either way)', (offset, valid) => {
    const { headers, body } = signed(offset);
    const result = gitlab.verify(headers, body, [SIGNING_SECRET], NOW);
    expect(result.valid).toBe(valid);
    if (!result.valid) expect(result.reason).toMatch(offset < 0 ? /too old/ : /in the future/);
  });

  it('accepts a webhook-signature holding several entries when one of them matches', () => {
    const { headers, body } = signed();
    const other = sign(
      `whsec_${randomBytes(32).toString('base64')}`,
      headers['webhook-id']!,
      headers['webhook-timestamp']!,
      body,
    );
    headers['webhook-signature'] = `v1a,ignored ${other} ${headers['webhook-signature']}`;
    expect(gitlab.verify(headers, body, [SIGNING_SECRET], NOW).valid).toBe(true);
  });

  it('never takes a signing secret as a plain X-Gitlab-Token: that would skip the timestamp window', () => {
    const body = Buffer.from('{}');
    expect(gitlab.verify({ 'x-gitlab-token': SIGNING_SECRET }, body, [SIGNING_SECRET], NOW)).toEqual({
      valid: false,
      reason: 'missing webhook-signature header',
    });
    expect(gitlab.verify({ 'x-gitlab-token': SIGNING_SECRET }, body, [TOKEN, SIGNING_SECRET], NOW)).toEqual({
      valid: false,
      reason: 'X-Gitlab-Token does not match',
    });
    expect(gitlab.verify({ 'x-gitlab-token': TOKEN }, body, [TOKEN, SIGNING_SECRET], NOW)).toEqual({
      valid: true,
      secretIndex: 0,
    });
  });

  it('accepts the old signing secret during a rotation', () => {
    const old = `whsec_${randomBytes(32).toString('base64')}`;
    const { headers, body } = signed(0, old);
    expect(gitlab.verify(headers, body, [SIGNING_SECRET, old], NOW)).toEqual({ valid: true, secretIndex: 1 });
  });

  it.each<[string, (headers: Record<string, string>) => void, RegExp]>([
    [
      'another key',
      (h) =>
        (h['webhook-signature'] = sign(
          `whsec_${randomBytes(32).toString('base64')}`,
          h['webhook-id']!,
          h['webhook-timestamp']!,
          Buffer.from('{}'),
        )),
      /does not match/,
    ],
    ['a changed webhook-id', (h) => (h['webhook-id'] = 'another-id'), /does not match/],
    ['a missing webhook-id', (h) => delete h['webhook-id'], /missing webhook-id/],
    ['a missing webhook-timestamp', (h) => delete h['webhook-timestamp'], /missing webhook-timestamp/],
    [
      'a timestamp in milliseconds',
      (h) => (h['webhook-timestamp'] = `${h['webhook-timestamp']}000`),
      /malformed webhook-timestamp|future/,
    ],
    ['a non-numeric timestamp', (h) => (h['webhook-timestamp'] = 'yesterday'), /malformed webhook-timestamp/],
    [
      'no v1 entry',
      (h) => (h['webhook-signature'] = h['webhook-signature']!.replace('v1,', 'v2,')),
      /malformed webhook-signature/,
    ],
    ['a truncated signature', (h) => (h['webhook-signature'] = h['webhook-signature']!.slice(0, 20)), /does not match/],
    ['a signature that is not base64', (h) => (h['webhook-signature'] = 'v1,%%%%'), /does not match/],
  ])('refuses %s without revealing the key or the expected signature', (_name, change, reason) => {
    const { headers, body } = signed();
    const expected = headers['webhook-signature']!;
    change(headers);
    const result = gitlab.verify(headers, body, [SIGNING_SECRET], NOW);
    expect(result).toEqual({ valid: false, reason: expect.stringMatching(reason) });
    if (result.valid) return;
    expect(result.reason).not.toContain(expected.slice(3));
    expect(result.reason).not.toContain(SIGNING_SECRET.slice(6));
  });

  it('refuses a body changed after signing', () => {
    const { headers, body } = signed();
    const changed = Buffer.from(body.toString('utf8').replace('refs/heads/master', 'refs/heads/mastes'));
    expect(gitlab.verify(headers, changed, [SIGNING_SECRET], NOW).valid).toBe(false);
  });

  it('lets the signature decide when both are sent: a right token does not rescue a wrong signature', () => {
    const { headers, body } = signed();
    headers['x-gitlab-token'] = TOKEN;
    headers['webhook-signature'] = 'v1,AAAA';
    expect(gitlab.verify(headers, body, [SIGNING_SECRET, TOKEN], NOW).valid).toBe(false);
  });

  it('reads the token when a signature is sent but no signing secret is configured', () => {
    const { headers, body } = signed();
    headers['x-gitlab-token'] = TOKEN;
    expect(gitlab.verify(headers, body, [TOKEN], NOW)).toEqual({ valid: true, secretIndex: 0 });
  });
});

describe('gitlab.deliveryId', () => {
  it('prefers Idempotency-Key, the same across retries', () => {
    const { headers } = signedDelivery('gitlab', 'push', { secret: TOKEN, id: 'idem-1' });
    expect(headers['x-gitlab-event-uuid']).not.toBe('idem-1');
    expect(gitlab.deliveryId(headers)).toBe('idem-1');
  });

  it('falls back to X-Gitlab-Event-UUID (GitLab before Idempotency-Key)', () => {
    const { headers } = signedDelivery('gitlab', 'push', { secret: TOKEN });
    delete headers['idempotency-key'];
    expect(gitlab.deliveryId(headers)).toBe(headers['x-gitlab-event-uuid']);
  });
});

describe('gitlab.normalize', () => {
  const push = JSON.parse(signedDelivery('gitlab', 'push', { secret: TOKEN }).body.toString('utf8'));

  it.each(['Issue Hook', 'Merge Request Hook', 'Pipeline Hook', 'System Hook', 'Note Hook'])(
    'ignores a %s whatever its body: never a 4xx for an event it does not care about',
    (event) => {
      for (const payload of [push, {}, [], null, 'text']) {
        expect(gitlab.normalize(event, payload)).toEqual({
          kind: 'ignored',
          reason: `event "${event}" does not deploy`,
        });
      }
    },
  );

  it('ignores a Tag Push Hook, naming the tag, even with an unreadable body', () => {
    const tag = JSON.parse(signedDelivery('gitlab', 'tag', { secret: TOKEN }).body.toString('utf8'));
    expect(gitlab.normalize('Tag Push Hook', tag)).toEqual({ kind: 'ignored', reason: 'tag push refs/tags/v1.0.0' });
    expect(gitlab.normalize('Tag Push Hook', null)).toMatchObject({ kind: 'ignored' });
  });

  it('reads a deleted branch from an all-zeros after (GitLab has no deleted field)', () => {
    const deleted = { ...push, after: '0'.repeat(40), checkout_sha: null };
    expect(decide(gitlab.normalize('Push Hook', deleted), TARGET)).toEqual({
      kind: 'ignored',
      reason: 'refs/heads/master was deleted',
    });
  });

  it.each([
    ['no object_kind', { ...push, object_kind: undefined }],
    ['another object_kind', { ...push, object_kind: 'issue' }],
    ['an array', [push]],
    ['null', null],
  ])('answers a Push Hook with %s as invalid (400), not as ignored', (_name, payload) => {
    expect(gitlab.normalize('Push Hook', payload)).toEqual({
      kind: 'invalid',
      reason: 'Push Hook payload has no object_kind "push"',
    });
  });

  it('names project.path_with_namespace when a push to the deployed branch lacks it', () => {
    const { project: _project, ...withoutProject } = push;
    expect(decide(gitlab.normalize('Push Hook', withoutProject), TARGET)).toEqual({
      kind: 'invalid',
      reason: 'push payload has no project.path_with_namespace',
    });
  });

  it('deploys a push to a subgroup project named by its full path', () => {
    const payload = { ...push, project: { ...push.project, path_with_namespace: 'group/sub/diaspora' } };
    expect(
      decide(gitlab.normalize('Push Hook', payload), { branch: 'master', repository: 'Group/Sub/Diaspora' }),
    ).toMatchObject({
      kind: 'deploy',
      push: { repository: 'group/sub/diaspora' },
    });
  });
});
