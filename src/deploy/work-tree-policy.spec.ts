import { describe, expect, it } from '@jest/globals';
import type { PullStrategy } from '../domain/pull-strategy.js';
import type { WorkTreeState } from '../git/work-tree-state.js';
import { DeployFailure } from './deploy-failure.js';
import { checkWorkTree } from './work-tree-policy.js';

const HEAD = 'a'.repeat(40);
const clean: WorkTreeState = { head: HEAD, branch: 'main', changes: [] };
const edited: WorkTreeState = { ...clean, changes: ['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt', 'f.txt'] };

describe('checkWorkTree', () => {
  it.each<[string, WorkTreeState, PullStrategy, string]>([
    ['another branch', { ...clean, branch: 'dev' }, 'reset', 'work tree is on branch dev, expected main'],
    ['a detached HEAD', { ...clean, branch: undefined }, 'rebase', 'work tree is on a detached HEAD, expected main'],
    ['no commit', { ...clean, head: undefined }, 'ff-only', 'work tree has no commit checked out'],
    ['edits (rebase)', edited, 'rebase', 'work tree has uncommitted changes: a.txt, b.txt, c.txt, d.txt, e.txt'],
    ['edits (ff-only)', edited, 'ff-only', 'work tree has uncommitted changes: a.txt, b.txt, c.txt, d.txt, e.txt'],
  ])('refuses %s', (_, state, pullStrategy, message) => {
    const check = () => checkWorkTree(state, { deployBranch: 'main', pullStrategy });
    expect(check).toThrow(DeployFailure);
    expect(check).toThrow(message);
  });

  it('returns HEAD for a clean tree on the branch, and for edits under reset (it discards them)', () => {
    expect(checkWorkTree(clean, { deployBranch: 'main', pullStrategy: 'rebase' })).toBe(HEAD);
    expect(checkWorkTree(edited, { deployBranch: 'main', pullStrategy: 'reset' })).toBe(HEAD);
  });

  it('keeps HEAD on the failure when it is known, for headBefore', () => {
    try {
      checkWorkTree(edited, { deployBranch: 'main', pullStrategy: 'rebase' });
    } catch (error) {
      expect((error as DeployFailure).headBefore).toBe(HEAD);
    }
    expect.assertions(1);
  });
});
