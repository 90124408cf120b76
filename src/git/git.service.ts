import { readFile, rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import type { PullStrategy } from '../config/app-config.js';
import { operatorEnvironment } from '../process/operator-environment.js';
import { runProcess, type ProcessOptions } from '../process/run-process.js';
import { GitMissingError, GitStepError } from './git.errors.js';
import { findLocks } from './find-locks.js';

/** How the caller follows and bounds the update's git processes. */
export type UpdateControl = Pick<ProcessOptions, 'signal' | 'output' | 'onSpawn'>;

/** How much of a failed git command's output becomes the deployment's error. */
const ERROR_OUTPUT_CHARS = 2000;

export interface WorkTreeFacts {
  /** undefined on a detached HEAD. */
  branch: string | undefined;
  /** The configured URL of `origin`, undefined when there is no such remote. */
  originUrl: string | undefined;
}

// simple-git strips or refuses the GIT_* environment to protect callers that pass
// untrusted text to git. hookdeploy passes none (the branch is configuration, a sha is
// checked hex), and what would be stripped is the operator's own setup: GIT_SSH_COMMAND
// for a deploy key, GIT_SSL_CAINFO, GIT_CONFIG_GLOBAL. So git gets the environment the
// operator's shell would give it, plus GIT_TERMINAL_PROMPT=0: no prompt for a password
// that nobody will type.
const OPERATOR_ENVIRONMENT_FLAGS = {
  allowUnsafeSshCommand: true,
  allowUnsafeConfigPaths: true,
  allowUnsafeConfigEnvCount: true,
  allowUnsafeAskPass: true,
  allowUnsafeGitProxy: true,
  allowUnsafeTemplateDir: true,
  allowUnsafeExec: true,
} as const;

// Interactive helpers have no use in an unattended pull; simple-git refuses them outright.
const INTERACTIVE_VARIABLES = new Set([
  'EDITOR',
  'VISUAL',
  'PAGER',
  'PREFIX',
  'GIT_EDITOR',
  'GIT_SEQUENCE_EDITOR',
  'GIT_PAGER',
  'GIT_EXTERNAL_DIFF',
]);

function gitEnvironment(): { env: Record<string, string>; allowed: string[] } {
  const env = operatorEnvironment();
  for (const name of INTERACTIVE_VARIABLES) delete env[name];
  env.GIT_TERMINAL_PROMPT = '0';
  return { env, allowed: Object.keys(env).filter((key) => key.startsWith('GIT_')) };
}

/** The only code in hookdeploy that runs git, always in one work tree. */
export class GitService {
  constructor(readonly repoPath: string) {}

  /** simple-git for the short local queries; the network step goes through runGit(). */
  private git(): SimpleGit {
    const { env, allowed } = gitEnvironment();
    return simpleGit({
      baseDir: this.repoPath,
      allowEnvironment: allowed,
      unsafe: OPERATOR_ENVIRONMENT_FLAGS,
      // simple-git only reports failures that wrote to stderr; a git command that fails
      // silently (exit code 1, no output) is a failure here too.
      errors: (error, result) =>
        error ??
        (result.exitCode === 0
          ? undefined
          : new Error(
              Buffer.concat([...result.stdErr, ...result.stdOut])
                .toString()
                .trim() || `git exited with code ${result.exitCode}`,
            )),
    }).env(env);
  }

  /**
   * Runs one git command of the update in its own process group. simple-git can stop
   * git itself but not the fetch, ssh or hooks that git starts; a deploy timeout must
   * end all of them before anything else touches the work tree.
   */
  private async runGit(args: string[], control: UpdateControl): Promise<void> {
    const { output } = control;
    output(`$ git ${args.join(' ')}\n`);
    let recent = '';
    const result = await runProcess('git', args, {
      ...control,
      cwd: this.repoPath,
      env: gitEnvironment().env,
      output: (chunk) => {
        output(chunk);
        recent = (recent + chunk).slice(-ERROR_OUTPUT_CHARS);
      },
    });
    if (result.timedOut) throw new GitStepError(`git ${args[0]} was stopped: the deploy timed out`);
    if (result.exitCode !== 0) {
      throw new GitStepError(recent.trim() || `git ${args[0]} exited with code ${result.exitCode ?? result.signal}`);
    }
  }

  /** Facts needed at boot; throws when the path is not a usable git work tree. */
  async inspect(): Promise<WorkTreeFacts> {
    const info = await stat(this.repoPath).catch(() => undefined);
    if (!info) throw new GitStepError(`${this.repoPath} does not exist`);
    if (!info.isDirectory()) throw new GitStepError(`${this.repoPath} is not a directory`);
    const git = this.git();
    const inside = await git.raw(['rev-parse', '--is-inside-work-tree']).catch((error: Error) => {
      if (/ENOENT/.test(error.message)) throw new GitMissingError();
      // A tree owned by another user is a git work tree that git refuses to touch: say so.
      throw new GitStepError(
        /dubious ownership/.test(error.message)
          ? `${this.repoPath} is owned by another user and git refuses it (see git's safe.directory)`
          : `${this.repoPath} is not a git work tree`,
      );
    });
    if (inside.trim() !== 'true') throw new GitStepError(`${this.repoPath} is not a git work tree`);
    const head = await git.raw(['rev-parse', '--verify', '--quiet', 'HEAD']).catch(() => '');
    if (head.trim() === '') {
      throw new GitStepError(`${this.repoPath} has no commit checked out yet; push a first commit and clone again`);
    }
    // `remote get-url` would expand url.*.insteadOf; the configured value is what names the repository.
    const originUrl = await git.raw(['config', '--get', 'remote.origin.url']).catch(() => '');
    // A rebase that a crash interrupted detaches HEAD; the branch is still the one being
    // rebased, and the recovery at boot aborts the rebase.
    const branch = (await this.currentBranch()) ?? (await this.rebasedBranch());
    return { branch, originUrl: originUrl.trim() || undefined };
  }

  async currentBranch(): Promise<string | undefined> {
    const ref = await this.git()
      .raw(['symbolic-ref', '--quiet', '--short', 'HEAD'])
      .catch(() => '');
    return ref.trim() || undefined;
  }

  async head(): Promise<string> {
    return (await this.git().raw(['rev-parse', '--verify', 'HEAD'])).trim();
  }

  /** Paths of tracked files with uncommitted changes (untracked files do not block a pull). */
  async trackedChanges(): Promise<string[]> {
    // --branch adds a "## main...origin/main" line: simple-git waits 50 ms more on a command that prints nothing.
    const status = await this.git().raw(['status', '--porcelain', '--branch', '--untracked-files=no']);
    return status
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('##'));
  }

  /**
   * Moves the work tree to the tip of `origin/<branch>` with the chosen strategy.
   * On failure the work tree is left as it was before (an interrupted rebase is aborted).
   */
  async update(strategy: PullStrategy, branch: string, control: UpdateControl): Promise<void> {
    const steps: Record<PullStrategy, string[][]> = {
      rebase: [['pull', '--rebase', '--no-autostash', 'origin', branch]],
      // --no-rebase: a pull.rebase setting in the repository must not turn this into a rebase.
      'ff-only': [['pull', '--ff-only', '--no-rebase', 'origin', branch]],
      reset: [
        ['fetch', '--no-tags', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`],
        ['reset', '--hard', `refs/remotes/origin/${branch}`],
      ],
    };
    try {
      for (const args of steps[strategy]) await this.runGit(args, control);
    } catch (error) {
      if (strategy === 'rebase') await this.abortRebase();
      throw error;
    }
  }

  /**
   * After a crash during an update: removes the lock files the killed git left, aborts a
   * rebase it left half done, and puts back the tracked files it had half moved (the
   * deploy only starts on a clean tree, so nothing of the operator's is lost). Only safe
   * once no git process of this work tree runs. Returns what it did, for the log.
   */
  async clearInterruptedUpdate(): Promise<string[]> {
    const done: string[] = [];
    const gitDir = resolve(this.repoPath, (await this.git().raw(['rev-parse', '--git-dir'])).trim());
    for (const lock of await findLocks(gitDir)) {
      await rm(lock, { force: true });
      done.push(`removed the stale ${lock}`);
    }
    if (await this.rebasedBranch()) {
      await this.abortRebase();
      done.push('aborted the rebase it left in progress');
    }
    if ((await this.trackedChanges()).length > 0) {
      await this.git().raw(['reset', '--hard', '--quiet', 'HEAD']);
      done.push(`put the tracked files back to HEAD ${(await this.head()).slice(0, 7)}`);
    }
    return done;
  }

  /** The branch a rebase in progress is rebasing (HEAD is detached meanwhile). */
  private async rebasedBranch(): Promise<string | undefined> {
    for (const dir of ['rebase-merge', 'rebase-apply']) {
      const file = resolve(
        this.repoPath,
        (await this.git().raw(['rev-parse', '--git-path', `${dir}/head-name`])).trim(),
      );
      const ref = await readFile(file, 'utf8').catch(() => '');
      if (ref.trim().startsWith('refs/heads/')) return ref.trim().slice('refs/heads/'.length);
    }
    return undefined;
  }

  private async abortRebase(): Promise<void> {
    // Fails harmlessly with "no rebase in progress" when the pull stopped before rebasing.
    await this.git()
      .raw(['rebase', '--abort'])
      .catch(() => undefined);
  }

  /** Whether `sha` is HEAD or an ancestor of it; throws when the commit is not in the repository. */
  async headContains(sha: string): Promise<boolean> {
    return this.contains('HEAD', sha);
  }

  /** Whether `sha` is `commitish` or an ancestor of it; throws when `sha` is not in the repository. */
  async contains(commitish: string, sha: string): Promise<boolean> {
    const git = this.git();
    const commit = (await git.raw(['rev-parse', '--verify', '--quiet', `${sha}^{commit}`]).catch(() => '')).trim();
    if (commit === '') throw new GitStepError(`commit ${sha} is not in the repository after the update`);
    // `merge-base --is-ancestor` would answer by exit code alone, and simple-git adds 50 ms to
    // every command that prints nothing; the merge base of an ancestor is the ancestor itself.
    const base = await git.raw(['merge-base', commit, commitish]).catch(() => '');
    return base.trim() === commit;
  }

  /** The branch tip the last update fetched (a manual deploy targets it). */
  async fetchedTip(): Promise<string> {
    const tip = await this.git().raw(['rev-parse', '--verify', 'FETCH_HEAD^{commit}']);
    return tip.trim();
  }
}
