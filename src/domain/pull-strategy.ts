/**
 * How a deploy moves the work tree to the fetched tip: `rebase` and `ff-only` as
 * `git pull --rebase` / `--ff-only` would, `reset` discarding local edits. A leaf:
 * configuration parses it and git applies it, and neither imports the other for it.
 */
export const PULL_STRATEGIES = ['rebase', 'ff-only', 'reset'] as const;
export type PullStrategy = (typeof PULL_STRATEGIES)[number];
