import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { signedDelivery } from '../../test/fixtures/forge-deliveries.js';
import { bitbucketServer } from './bitbucket-server.js';
import { bitbucket } from './bitbucket.js';
import { decide } from './decide.js';

const SECRET = 'bitbucket-secret';
const NOW = new Date();
const SHA = 'd'.repeat(40);

function payload(forge: 'bitbucket' | 'bitbucket-server', kind: 'push' | 'deletion' | 'tag', branch = 'main') {
  const { body } = signedDelivery(forge, kind, { secret: SECRET, branch, after: SHA });
  return JSON.parse(body.toString('utf8'));
}

describe.each([
  ['bitbucket', bitbucket],
  ['bitbucket-server', bitbucketServer],
] as const)('the %s signature', (forge, adapter) => {
  it.each([
    ['GitHub-style sha1=', (hex: string) => `sha1=${hex.slice(0, 40)}`, /algorithm must be sha256/],
    ['no "="', (hex: string) => hex, /expected sha256=<hex>/],
    ['an odd length', (hex: string) => `sha256=${hex.slice(1)}`, /64 hex digits/],
    ['non-hex digits', (hex: string) => `sha256=${hex.slice(1)}z`, /64 hex digits/],
    ['nothing after "="', () => 'sha256=', /64 hex digits/],
  ])('answers an X-Hub-Signature with %s as malformed', (_name, mangle, reason) => {
    const { headers, body } = signedDelivery(forge, 'push', { secret: SECRET });
    headers['x-hub-signature'] = mangle(headers['x-hub-signature']!.slice('sha256='.length));
    expect(adapter.verify(headers, body, [SECRET], NOW)).toEqual({
      valid: false,
      reason: expect.stringMatching(reason),
    });
  });

  it('refuses a delivery without X-Hub-Signature (a webhook without a secret)', () => {
    const { headers, body } = signedDelivery(forge, 'push', { secret: SECRET });
    delete headers['x-hub-signature'];
    expect(adapter.verify(headers, body, [SECRET], NOW)).toEqual({
      valid: false,
      reason: 'missing X-Hub-Signature header',
    });
  });

  it('accepts upper-case hex', () => {
    const { headers, body } = signedDelivery(forge, 'push', { secret: SECRET });
    headers['x-hub-signature'] = `sha256=${headers['x-hub-signature']!.slice(7).toUpperCase()}`;
    expect(adapter.verify(headers, body, [SECRET], NOW).valid).toBe(true);
  });
});

describe('bitbucket (Cloud) push.changes', () => {
  const target = { branch: 'main', repository: 'team_name/repo_name' };

  it('lets the change whose new is the deployed branch decide, wherever it is in the list', () => {
    const other = payload('bitbucket', 'push', 'feature').push.changes[0];
    const wanted = payload('bitbucket', 'push', 'main');
    wanted.push.changes.unshift(other);
    expect(decide(bitbucket.normalize('repo:push', wanted), target)).toMatchObject({
      kind: 'deploy',
      push: { ref: 'refs/heads/main', after: SHA },
    });
  });

  it('explains a push of other refs only by the first of them', () => {
    const other = payload('bitbucket', 'push', 'feature');
    expect(decide(bitbucket.normalize('repo:push', other), target)).toEqual({
      kind: 'ignored',
      reason: 'push to refs/heads/feature, deploying refs/heads/main',
    });
  });

  it('reads a new branch (old: null) as created from all zeros, and deploys it', () => {
    const created = payload('bitbucket', 'push');
    created.push.changes[0].old = null;
    expect(decide(bitbucket.normalize('repo:push', created), target)).toMatchObject({
      kind: 'deploy',
      push: { before: '0'.repeat(40), after: SHA },
    });
  });

  it('reads new: null as the deletion of the old branch', () => {
    expect(decide(bitbucket.normalize('repo:push', payload('bitbucket', 'deletion')), target)).toEqual({
      kind: 'ignored',
      reason: 'refs/heads/main was deleted',
    });
  });

  it('ignores a push listing no changes (Bitbucket leaves them out past its limits)', () => {
    const empty = payload('bitbucket', 'push');
    empty.push.changes = [];
    expect(decide(bitbucket.normalize('repo:push', empty), target)).toEqual({
      kind: 'ignored',
      reason: 'the push lists no ref updates',
    });
  });

  it.each([
    ['no push', {}],
    ['push.changes not a list', { push: { changes: {} } }],
    ['a body that is a list', []],
  ])('answers a repo:push with %s as invalid', (_name, body) => {
    expect(bitbucket.normalize('repo:push', body)).toEqual({
      kind: 'invalid',
      reason: 'repo:push payload has no push.changes',
    });
  });

  it('ignores a ref type it does not know, even one named like an object property', () => {
    const odd = payload('bitbucket', 'push');
    odd.push.changes[0].new.type = '__proto__';
    expect(decide(bitbucket.normalize('repo:push', odd), target)).toMatchObject({ kind: 'ignored' });
  });
});

describe('bitbucket-server (Data Center) changes', () => {
  const target = { branch: 'main', repository: 'proj/repository' };

  it("ignores the deletion a real Data Center sent (go-playground's captured repo-refs-changed.json)", () => {
    const captured = JSON.parse(
      readFileSync(
        new URL('../../test/fixtures/forges/bitbucket-server/repo-refs-changed-delete.json', import.meta.url),
        'utf8',
      ),
    );
    expect(
      decide(bitbucketServer.normalize('repo:refs_changed', captured), {
        branch: 'feature/wip',
        repository: '~GOPHER/webhook-test',
      }),
    ).toEqual({
      kind: 'ignored',
      reason: 'refs/heads/feature/wip was deleted',
    });
  });

  it('names the repository <project.key>/<slug> and compares it ignoring case', () => {
    expect(
      decide(bitbucketServer.normalize('repo:refs_changed', payload('bitbucket-server', 'push')), {
        branch: 'main',
        repository: 'PROJ/repository',
      }),
    ).toMatchObject({
      kind: 'deploy',
      push: { repository: 'PROJ/repository', after: SHA },
    });
    expect(
      decide(bitbucketServer.normalize('repo:refs_changed', payload('bitbucket-server', 'push')), target).kind,
    ).toBe('deploy');
  });

  it('lets the change of refs/heads/<branch> decide among several', () => {
    const both = payload('bitbucket-server', 'push');
    both.changes.unshift(payload('bitbucket-server', 'tag').changes[0]);
    expect(decide(bitbucketServer.normalize('repo:refs_changed', both), target)).toMatchObject({ kind: 'deploy' });
  });

  it('names the fields when a push to the deployed branch has no project key', () => {
    const noKey = payload('bitbucket-server', 'push');
    delete noKey.repository.project;
    expect(decide(bitbucketServer.normalize('repo:refs_changed', noKey), target)).toEqual({
      kind: 'invalid',
      reason: 'push payload has no repository.project.key and repository.slug',
    });
  });

  it('answers Test connection (diagnostics:ping) with a pong', () => {
    expect(decide(bitbucketServer.normalize('diagnostics:ping', { test: true }), target)).toEqual({ kind: 'pong' });
  });

  it('answers a repo:refs_changed without changes as invalid', () => {
    expect(bitbucketServer.normalize('repo:refs_changed', { changes: null })).toMatchObject({ kind: 'invalid' });
  });
});
