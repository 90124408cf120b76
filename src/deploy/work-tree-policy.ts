import type { WorkTreeState } from '../git/work-tree-state.js';
import type { PullStrategy } from '../domain/pull-strategy.js';
import { DeployFailure } from './deploy-failure.js';

export interface WorkTreePolicy {
  deployBranch: string;
  pullStrategy: PullStrategy;
}

/**
 * Whether git may move the work tree: on the deployed branch, with a commit, and (but for
 * `reset`) without uncommitted changes. Returns HEAD; throws a DeployFailure saying why not.
 */
export function checkWorkTree(state: WorkTreeState, policy: WorkTreePolicy): string {
  const expected = policy.deployBranch;
  if (state.branch !== expected) {
    const actual = state.branch ? `branch ${state.branch}` : 'a detached HEAD';
    throw new DeployFailure(`work tree is on ${actual}, expected ${expected}`, state.head);
  }
  if (state.head === undefined) throw new DeployFailure('work tree has no commit checked out');
  // `reset` discards local edits by design; the other strategies refuse to build on them.
  if (policy.pullStrategy !== 'reset' && state.changes.length > 0) {
    throw new DeployFailure(`work tree has uncommitted changes: ${state.changes.slice(0, 5).join(', ')}`, state.head);
  }
  return state.head;
}
