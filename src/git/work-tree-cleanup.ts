import { lstat, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseAddedFiles, type AddedFile } from './added-files.js';
import { rebasedBranch } from './branch-names.js';
import { findLocks } from './find-locks.js';
import type { GitCommands } from './git-commands.js';
import { hasSubmodules } from './has-submodules.js';
import { parseStatus } from './work-tree-state.js';

/** How long the clean-up after a failed or interrupted update may take, git hooks included. */
const CLEAN_UP_TIMEOUT_MS = 60_000;

/** What to clear: the lock files of a killed git, and the work tree it was moving. */
export interface CleanUp {
  locks: boolean;
  workTree: boolean;
}

/**
 * After a crash, a timeout or a failure during an update: removes the lock files the
 * killed git left (`locks`) and, when git was moving the work tree (`workTree`), aborts
 * a rebase it left half done, puts back the tracked files it had half moved (in the
 * submodules too) and removes the new files it had written (git only moves a tree found
 * clean, so nothing of the operator's is lost). Only safe once no git process of this
 * work tree runs. Returns what it did, for the log. Bounded in time itself: the deploy's
 * deadline may be past.
 */
export async function clearInterruptedUpdate(git: GitCommands, { locks, workTree }: CleanUp): Promise<string[]> {
  const signal = AbortSignal.timeout(CLEAN_UP_TIMEOUT_MS);
  const done: string[] = [];
  if (locks) {
    const gitDir = resolve(git.repoPath, (await git.query(['rev-parse', '--git-dir'], signal)).trim());
    for (const lock of await findLocks(gitDir)) {
      await rm(lock, { force: true });
      done.push(`removed the stale ${lock}`);
    }
  }
  if (!workTree) return done;
  if (await rebasedBranch(git)) {
    // Fails harmlessly with "no rebase in progress" when it was already gone.
    await git.query(['rebase', '--abort'], signal).catch(() => undefined);
    done.push('aborted the rebase it left in progress');
  }
  const status = await git.query(['status', '--porcelain=v2', '--branch', '--untracked-files=no'], signal);
  if (parseStatus(status).changes.length > 0) {
    await git.query(['reset', '--hard', '--quiet', 'HEAD'], signal);
    const head = (await git.query(['rev-parse', '--verify', 'HEAD'], signal)).trim();
    done.push(`put the tracked files back to HEAD ${head.slice(0, 7)}`);
  }
  for (const path of await removeCheckedOutLeftovers(git, signal)) {
    done.push(`removed ${path}, written by the interrupted checkout`);
  }
  for (const path of await resetSubmodules(git, signal)) {
    done.push(`put the files of submodule ${path} back to its HEAD`);
  }
  return done;
}

/**
 * git writes a commit's new files before the index and HEAD: killed in between, it
 * leaves them untracked, and every later merge refuses to overwrite them. Removes the
 * files the fetched commit adds that are byte for byte its version (the operator's own
 * untracked files, or a half-written one, stay; the next deploy then says which).
 */
async function removeCheckedOutLeftovers(git: GitCommands, signal: AbortSignal): Promise<string[]> {
  const args = ['diff', '--raw', '--no-abbrev', '-z', '--no-renames', '--diff-filter=A', 'HEAD', 'FETCH_HEAD'];
  const written: AddedFile[] = [];
  for (const file of parseAddedFiles(await git.query(args, signal).catch(() => ''))) {
    const info = await lstat(resolve(git.repoPath, file.path)).catch(() => undefined);
    if (info?.isFile()) written.push(file);
  }
  const removed: string[] = [];
  for (let start = 0; start < written.length; start += 200) {
    const batch = written.slice(start, start + 200);
    const paths = batch.map((file) => file.path);
    const hashes = (await git.query(['hash-object', '--', ...paths], signal)).split('\n');
    for (const [index, file] of batch.entries()) {
      if (hashes[index]?.trim() !== file.blob) continue;
      await rm(resolve(git.repoPath, file.path));
      removed.push(file.path);
    }
  }
  return removed;
}

/**
 * A killed `submodule update` leaves a submodule's files half moved: back to its HEAD
 * (git only moves submodules found without edits). The next deploy's update then moves
 * it to the recorded commit. Returns the submodules it reset.
 */
async function resetSubmodules(git: GitCommands, signal: AbortSignal): Promise<string[]> {
  if (!(await hasSubmodules(git.repoPath))) return [];
  const script = 'git diff --quiet HEAD || { git reset --hard --quiet && echo "$displaypath"; }';
  const reset = await git.query(['submodule', 'foreach', '--quiet', '--recursive', script], signal);
  return reset.split('\n').filter(Boolean);
}
