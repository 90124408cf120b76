import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { GitCommands } from './git-commands.js';

/** The branch HEAD is on; undefined on a detached HEAD. */
export async function currentBranch(git: GitCommands): Promise<string | undefined> {
  const ref = await git.short(['symbolic-ref', '--quiet', '--short', 'HEAD']).catch(() => '');
  return ref.trim() || undefined;
}

/** The branch a rebase in progress is rebasing (HEAD is detached meanwhile). */
export async function rebasedBranch(git: GitCommands): Promise<string | undefined> {
  for (const dir of ['rebase-merge', 'rebase-apply']) {
    const path = (await git.short(['rev-parse', '--git-path', `${dir}/head-name`])).trim();
    const ref = await readFile(resolve(git.repoPath, path), 'utf8').catch(() => '');
    if (ref.trim().startsWith('refs/heads/')) return ref.trim().slice('refs/heads/'.length);
  }
  return undefined;
}
