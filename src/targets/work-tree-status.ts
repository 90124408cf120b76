import type { GitService } from '../git/git.service.js';

export type WorkTreeStatus =
  { status: 'ok'; branch: string | null; head: string } | { status: 'error'; branch: null; head: null; error: string };

/** Whether a target's work tree is usable now: its branch and HEAD, or why not (no path in it). */
export async function workTreeStatus(git: GitService): Promise<WorkTreeStatus> {
  try {
    const [branch, head] = await Promise.all([git.currentBranch(), git.head()]);
    return { status: 'ok', branch: branch ?? null, head };
  } catch {
    return { status: 'error', branch: null, head: null, error: 'the work tree is not a usable git work tree' };
  }
}
