import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { FileTarget } from './targets-file.js';

type Draft = Pick<FileTarget, 'id' | 'index' | 'place' | 'repoPath' | 'release'>;

/**
 * A `releases.path` is one target's: two targets on it would prune (and switch) each
 * other's releases, and a clone's own directory would get `releases/` and `current` mixed
 * into its files. Symbolic links are followed; a path that does not exist yet is taken as written.
 */
export async function releasePathProblems(drafts: readonly Draft[]): Promise<string[]> {
  const real = (path: string): Promise<string> => realpath(path).catch(() => resolve(path));
  const clones = new Map<string, Draft>();
  for (const draft of drafts) clones.set(await real(draft.repoPath), draft);
  const taken = new Map<string, Draft>();
  const problems: string[] = [];
  for (const draft of drafts) {
    if (draft.release === undefined) continue;
    const path = await real(draft.release.path);
    const first = taken.get(path);
    const clone = clones.get(path);
    if (first !== undefined) {
      problems.push(`${draft.place('releases')}: the same releases.path as targets[${first.index}] (${first.id})`);
    } else if (clone !== undefined) {
      problems.push(
        `${draft.place('releases')}: releases.path is the work tree of targets[${clone.index}] (${clone.id}); use its parent or another directory`,
      );
    }
    taken.set(path, draft);
  }
  return problems;
}
