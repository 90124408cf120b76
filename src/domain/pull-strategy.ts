/** How a deploy moves the work tree: `git pull --rebase`, `git pull --ff-only`, or fetch + `reset --hard`. */
export const PULL_STRATEGIES = ['rebase', 'ff-only', 'reset'] as const;
export type PullStrategy = (typeof PULL_STRATEGIES)[number];
