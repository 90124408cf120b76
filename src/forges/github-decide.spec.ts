import { describe, expect, it } from '@jest/globals';
import { BRANCH_PUSH_EXAMPLE, ISSUES_EXAMPLE, PING_EXAMPLE, TAG_PUSH_EXAMPLE } from '../../test/fixtures/deliveries.js';
import { decide as decideEvent, type Decision, type DeployTarget } from './decide.js';
import { github } from './github.js';

/** A GitHub delivery's decision: its adapter reads it, the forge-neutral decide() rules. */
function decide(event: string, payload: object, target: DeployTarget): Decision {
  return decideEvent(github.normalize(event, payload), target);
}

// GitHub's real branch push: refs/heads/master of Codertocat/Hello-World.
const TARGET: DeployTarget = { branch: 'master', repository: 'Codertocat/Hello-World' };
const BEFORE = 'a'.repeat(40);
const AFTER = BRANCH_PUSH_EXAMPLE.after as string;

function push(changes: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...structuredClone(BRANCH_PUSH_EXAMPLE), before: BEFORE, ...changes };
}

function withRepository(repository: unknown): Record<string, unknown> {
  return push({ repository });
}

describe('decide', () => {
  it('answers a ping with pong', () => {
    expect(decide('ping', PING_EXAMPLE, TARGET)).toEqual({ kind: 'pong' });
  });

  it.each(['issues', 'pull_request', 'create'])('ignores a %s event with a reason naming it', (event) => {
    expect(decide(event, ISSUES_EXAMPLE, TARGET)).toEqual({
      kind: 'ignored',
      reason: expect.stringContaining(`"${event}"`),
    });
  });

  it('deploys a push to the deployed branch of the deployed repository, with its push fields', () => {
    expect(decide('push', push(), TARGET)).toEqual({
      kind: 'deploy',
      push: { ref: 'refs/heads/master', before: BEFORE, after: AFTER, repository: 'Codertocat/Hello-World' },
    });
  });

  it('accepts a 64-hex (SHA-256 object format) after', () => {
    const after = 'b'.repeat(64);
    expect(decide('push', push({ after }), TARGET)).toMatchObject({ kind: 'deploy', push: { after } });
  });

  it.each<[string, Record<string, unknown>, DeployTarget]>([
    ['a repository name differing only in case', withRepository({ full_name: 'CODERTOCAT/hello-world' }), TARGET],
    [
      'any repository when the target names none',
      withRepository({ full_name: 'someone/else' }),
      { ...TARGET, repository: undefined },
    ],
  ])('deploys %s', (_name, payload, target) => {
    expect(decide('push', payload, target).kind).toBe('deploy');
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a branch deletion', push({ deleted: true, after: '0'.repeat(40) }), 'deleted'],
    ['a tag push', structuredClone(TAG_PUSH_EXAMPLE), 'refs/tags/simple-tag'],
    ['a push to another branch', push({ ref: 'refs/heads/feature' }), 'refs/heads/feature'],
    [
      'a push to a branch whose name only starts with the deployed one',
      push({ ref: 'refs/heads/master2' }),
      'refs/heads/master2',
    ],
    ['a push to another repository', withRepository({ full_name: 'Codertocat/Other' }), 'Codertocat/Other'],
  ])('ignores %s with a reason', (_name, payload, inReason) => {
    expect(decide('push', payload, TARGET)).toEqual({ kind: 'ignored', reason: expect.stringContaining(inReason) });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a missing ref', push({ ref: undefined }), 'ref'],
    ['an empty ref', push({ ref: '' }), 'ref'],
    ['a non-hex after', push({ after: 'z'.repeat(40) }), 'after'],
    ['a short after', push({ after: AFTER.slice(0, 7) }), 'after'],
    ['a missing after', push({ after: undefined }), 'after'],
    ['a bad before', push({ before: 'HEAD~1' }), 'before'],
    ['no repository', withRepository(undefined), 'repository.full_name'],
    ['a repository without full_name', withRepository({ name: 'Hello-World' }), 'repository.full_name'],
    ['a non-string full_name', withRepository({ full_name: 42 }), 'repository.full_name'],
  ])('reports a push with %s as invalid', (_name, payload, inReason) => {
    expect(decide('push', payload, TARGET)).toEqual({ kind: 'invalid', reason: expect.stringContaining(inReason) });
  });

  it.each<[string, Record<string, unknown>]>([
    ['a deletion with null commits', push({ deleted: true, after: null, before: null })],
    ['a push to another branch with a bad after', push({ ref: 'refs/heads/other', after: 'nope' })],
    ['a tag push without a repository', { ...push({ ref: 'refs/tags/v1' }), repository: undefined }],
  ])('ignores %s rather than calling it invalid: only what the decision needs is required', (_name, payload) => {
    expect(decide('push', payload, TARGET)).toMatchObject({ kind: 'ignored' });
  });
});
