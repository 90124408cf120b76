import { stat } from 'node:fs/promises';
import { GitPluginError, type SimpleGit } from 'simple-git';
import { currentBranch, rebasedBranch } from './branch-names.js';
import type { GitCommands } from './git-commands.js';
import { GitEnvironmentRefusedError, GitMissingError, GitStepError } from './git.errors.js';
import { gitConfigVariables } from './git-environment.js';

export interface WorkTreeFacts {
  /** undefined on a detached HEAD. */
  branch: string | undefined;
  /** The configured URL of `origin`, undefined when there is no such remote. */
  originUrl: string | undefined;
}

/**
 * The usual work tree (a commit, on a branch) in two git processes instead of four: at boot
 * every target is inspected, and with 100 targets the four took 1.5–2.5 s of the boot.
 * `--symbolic-full-name HEAD` fails without a commit and says `HEAD` when detached.
 */
async function usualWorkTree(git: SimpleGit): Promise<WorkTreeFacts | undefined> {
  const answer = await git.raw(['rev-parse', '--is-inside-work-tree', '--symbolic-full-name', 'HEAD']).catch(() => '');
  const [inside, head] = answer.trim().split('\n');
  if (inside !== 'true' || !head?.startsWith('refs/heads/')) return undefined;
  // `remote get-url` would expand url.*.insteadOf; the configured value is what names the repository.
  const originUrl = await git.raw(['config', '--get', 'remote.origin.url']).catch(() => '');
  return { branch: head.slice('refs/heads/'.length), originUrl: originUrl.trim() || undefined };
}

/** Facts needed at boot; throws when the path is not a usable git work tree, saying why. */
export async function inspectWorkTree(commands: GitCommands): Promise<WorkTreeFacts> {
  const { repoPath } = commands;
  const info = await stat(repoPath).catch(() => undefined);
  if (!info) throw new GitStepError(`${repoPath} does not exist`);
  if (!info.isDirectory()) throw new GitStepError(`${repoPath} is not a directory`);
  const git = commands.simple();
  const usual = await usualWorkTree(git);
  if (usual) return usual;
  // Anything else, step by step: each answer its own message.
  const inside = await git.raw(['rev-parse', '--is-inside-work-tree']).catch((error: Error) => {
    if (/ENOENT/.test(error.message)) throw new GitMissingError();
    // simple-git refused before starting git (a GIT_CONFIG_* setting it deems unsafe):
    // the work tree was never looked at.
    if (error instanceof GitPluginError) throw new GitEnvironmentRefusedError(error.message, gitConfigVariables());
    // A tree owned by another user is a git work tree that git refuses to touch: say so.
    throw new GitStepError(
      /dubious ownership/.test(error.message)
        ? `${repoPath} is owned by another user and git refuses it (see git's safe.directory)`
        : `${repoPath} is not a git work tree`,
    );
  });
  if (inside.trim() !== 'true') throw new GitStepError(`${repoPath} is not a git work tree`);
  const head = await git.raw(['rev-parse', '--verify', '--quiet', 'HEAD']).catch(() => '');
  if (head.trim() === '') {
    throw new GitStepError(`${repoPath} has no commit checked out yet; push a first commit and clone again`);
  }
  // `remote get-url` would expand url.*.insteadOf; the configured value is what names the repository.
  const originUrl = await git.raw(['config', '--get', 'remote.origin.url']).catch(() => '');
  // A rebase that a crash interrupted detaches HEAD; the branch is still the one being
  // rebased, and the recovery at boot aborts the rebase.
  const branch = (await currentBranch(commands)) ?? (await rebasedBranch(commands));
  return { branch, originUrl: originUrl.trim() || undefined };
}
