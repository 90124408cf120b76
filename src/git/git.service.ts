import { access, lstat, readFile, rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { GitPluginError, simpleGit, type SimpleGit } from 'simple-git';
import type { PullStrategy } from '../config/app-config.js';
import { runProcess, type ProcessOptions } from '../process/run-process.js';
import { GitEnvironmentRefusedError, GitMissingError, GitStepError } from './git.errors.js';
import { gitConfigVariables, gitEnvironment, OPERATOR_ENVIRONMENT_FLAGS } from './git-environment.js';
import { parseAddedFiles, type AddedFile } from './added-files.js';
import { findLocks } from './find-locks.js';
import { parseStatus, type WorkTreeState } from './work-tree-state.js';

/** How the caller follows and bounds the update's git processes. */
export type UpdateControl = Pick<ProcessOptions, 'signal' | 'output' | 'onSpawn'>;

/** How much of a failed git command's output becomes the deployment's error. */
const ERROR_OUTPUT_CHARS = 2000;

/** How long the clean-up after a failed or interrupted update may take, git hooks included. */
const CLEAN_UP_TIMEOUT_MS = 60_000;

/** Keeps `git fetch` and `git merge` from starting git's housekeeping on the way; see maintain(). */
const DEFERRED_MAINTENANCE = ['-c', 'maintenance.auto=false', '-c', 'gc.auto=0'];

const OBJECT_NAME = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** "fetch", "submodule update": the command of `args`, after the `-c name=value` options. */
function commandName(args: readonly string[]): string {
  let start = 0;
  while (args[start] === '-c') start += 2;
  return args.slice(start, args[start] === 'submodule' ? start + 2 : start + 1).join(' ');
}

function trackingRef(branch: string): string {
  return `refs/remotes/origin/${branch}`;
}

export interface WorkTreeFacts {
  /** undefined on a detached HEAD. */
  branch: string | undefined;
  /** The configured URL of `origin`, undefined when there is no such remote. */
  originUrl: string | undefined;
}

/** The only code in hookdeploy that runs git, always in one work tree. */
export class GitService {
  private commonDir: Promise<string> | undefined;

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
    if (result.timedOut) throw new GitStepError(`git ${commandName(args)} was stopped: the deploy timed out`);
    if (result.exitCode !== 0) {
      throw new GitStepError(
        recent.trim() || `git ${commandName(args)} exited with code ${result.exitCode ?? result.signal}`,
      );
    }
  }

  /**
   * A read-only git command of a deployment: bounded by the deploy's deadline like the
   * update, in its own process group (a hung `core.fsmonitor` hook would otherwise hold
   * `git status`, and the queue, forever). Resolves with its stdout.
   */
  private async query(args: string[], signal: AbortSignal): Promise<string> {
    let answer = '';
    let errors = '';
    const result = await runProcess('git', args, {
      cwd: this.repoPath,
      env: gitEnvironment().env,
      signal,
      stdout: (chunk) => (answer += chunk),
      output: (chunk) => (errors = (errors + chunk).slice(-ERROR_OUTPUT_CHARS)),
    });
    if (result.timedOut) throw new GitStepError(`git ${commandName(args)} was stopped: the deploy timed out`);
    if (result.exitCode !== 0) {
      throw new GitStepError(
        errors.trim() || `git ${commandName(args)} exited with code ${result.exitCode ?? result.signal}`,
      );
    }
    return answer;
  }

  /** Facts needed at boot; throws when the path is not a usable git work tree. */
  async inspect(): Promise<WorkTreeFacts> {
    const info = await stat(this.repoPath).catch(() => undefined);
    if (!info) throw new GitStepError(`${this.repoPath} does not exist`);
    if (!info.isDirectory()) throw new GitStepError(`${this.repoPath} is not a directory`);
    const git = this.git();
    const inside = await git.raw(['rev-parse', '--is-inside-work-tree']).catch((error: Error) => {
      if (/ENOENT/.test(error.message)) throw new GitMissingError();
      // simple-git refused before starting git (a GIT_CONFIG_* setting it deems unsafe):
      // the work tree was never looked at.
      if (error instanceof GitPluginError) throw new GitEnvironmentRefusedError(error.message, gitConfigVariables());
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

  /**
   * HEAD, the branch and the tracked changes from one `git status`: one process instead
   * of three, at the start of every deployment.
   */
  async state(signal: AbortSignal): Promise<WorkTreeState> {
    return parseStatus(await this.query(['status', '--porcelain=v2', '--branch', '--untracked-files=no'], signal));
  }

  /**
   * Fetches the branch into `refs/remotes/origin/<branch>` (and FETCH_HEAD). Touches
   * neither HEAD, the index nor the work tree, so it may run while they are inspected.
   * A fetch that was stopped leaves no ref lock behind to break the next one.
   */
  async fetch(branch: string, control: UpdateControl): Promise<void> {
    const args = [
      ...DEFERRED_MAINTENANCE,
      'fetch',
      '--no-tags',
      'origin',
      `+refs/heads/${branch}:${trackingRef(branch)}`,
    ];
    try {
      await this.runGit(args, control);
    } catch (error) {
      if (control.signal.aborted) await this.tidyUp({ locks: true, workTree: false }, control);
      throw error;
    }
  }

  /**
   * Moves the work tree to the fetched tip with the chosen strategy: the second half of
   * `git pull --rebase` / `git pull --ff-only`, or `git reset --hard`. Like `git pull
   * --rebase`, the rebase strategy fast-forwards when it can, and otherwise replays only
   * the local commits, from the fork point found in the remote-tracking reflog. On failure,
   * a timeout included, the work tree is put back as it was (it was clean before).
   */
  async integrate(strategy: PullStrategy, branch: string, control: UpdateControl): Promise<void> {
    try {
      await this.moveTo(strategy, trackingRef(branch), control);
    } catch (error) {
      // Locks only when git was killed: a git that failed by itself removed its own.
      await this.tidyUp({ locks: control.signal.aborted, workTree: true }, control);
      throw error;
    }
  }

  private async moveTo(strategy: PullStrategy, tracking: string, control: UpdateControl): Promise<void> {
    if (strategy === 'reset') return this.runGit(['reset', '--hard', tracking], control);
    try {
      await this.runGit([...DEFERRED_MAINTENANCE, 'merge', '--ff-only', '--no-edit', tracking], control);
    } catch (error) {
      if (strategy === 'ff-only' || control.signal.aborted || (await this.isFastForward(tracking, control.signal))) {
        throw error;
      }
      control.output(`hookdeploy: not a fast-forward: rebasing the local commits onto ${tracking}\n`);
      await this.runGit([...DEFERRED_MAINTENANCE, 'rebase', '--no-autostash', '--fork-point', tracking], control);
    }
  }

  /**
   * Checks the submodules out at the commits the work tree records (`--init`: new ones
   * too, `--recursive`: theirs as well), fetching what they lack: `git pull` leaves them
   * where they were, so a push that moves a pointer would otherwise deploy nothing of it.
   * `reset` discards edits inside them too (`--force`), as it does in the work tree.
   * Nothing to do, and no process, without a `.gitmodules`. Killed by the deadline, it
   * leaves locks and half-moved submodules: cleared like an interrupted update.
   */
  async updateSubmodules(strategy: PullStrategy, control: UpdateControl): Promise<void> {
    if (!(await this.hasSubmodules())) return;
    const force = strategy === 'reset' ? ['--force'] : [];
    try {
      await this.runGit([...DEFERRED_MAINTENANCE, 'submodule', 'update', '--init', '--recursive', ...force], control);
    } catch (error) {
      if (control.signal.aborted) await this.tidyUp({ locks: true, workTree: true }, control);
      throw error;
    }
  }

  private async hasSubmodules(): Promise<boolean> {
    return access(resolve(this.repoPath, '.gitmodules')).then(
      () => true,
      () => false,
    );
  }

  /** clearInterruptedUpdate() after a failed step, told in the deployment's log. */
  private async tidyUp(what: { locks: boolean; workTree: boolean }, control: UpdateControl): Promise<void> {
    const done = await this.clearInterruptedUpdate(what).catch((error: Error) => [
      `could not clean up: ${error.message}`,
    ]);
    for (const line of done) control.output(`hookdeploy: ${line}\n`);
  }

  /**
   * The housekeeping (repacking, pruning) that `git fetch` and `git merge` would each
   * have started before returning: run once, after the work tree moved, instead of twice
   * on the way there. git does work only when its own thresholds say so.
   */
  async maintain(control: UpdateControl): Promise<void> {
    await this.runGit(['maintenance', 'run', '--auto', '--quiet'], control);
  }

  /**
   * After a crash, a timeout or a failure during an update: removes the lock files the
   * killed git left (`locks`) and, when git was moving the work tree (`workTree`), aborts
   * a rebase it left half done, puts back the tracked files it had half moved and removes
   * the new files it had written (git only moves a tree found clean, so nothing of the
   * operator's is lost). Only safe once no git process of this work tree runs. Returns
   * what it did, for the log. Bounded in time itself: the deploy's deadline may be past.
   */
  async clearInterruptedUpdate({ locks, workTree }: { locks: boolean; workTree: boolean }): Promise<string[]> {
    const signal = AbortSignal.timeout(CLEAN_UP_TIMEOUT_MS);
    const done: string[] = [];
    if (locks) {
      const gitDir = resolve(this.repoPath, (await this.query(['rev-parse', '--git-dir'], signal)).trim());
      for (const lock of await findLocks(gitDir)) {
        await rm(lock, { force: true });
        done.push(`removed the stale ${lock}`);
      }
    }
    if (!workTree) return done;
    if (await this.rebasedBranch()) {
      // Fails harmlessly with "no rebase in progress" when it was already gone.
      await this.query(['rebase', '--abort'], signal).catch(() => undefined);
      done.push('aborted the rebase it left in progress');
    }
    const status = await this.query(['status', '--porcelain=v2', '--branch', '--untracked-files=no'], signal);
    if (parseStatus(status).changes.length > 0) {
      await this.query(['reset', '--hard', '--quiet', 'HEAD'], signal);
      done.push(`put the tracked files back to HEAD ${(await this.head()).slice(0, 7)}`);
    }
    for (const path of await this.removeCheckedOutLeftovers(signal)) {
      done.push(`removed ${path}, written by the interrupted checkout`);
    }
    if (await this.hasSubmodules()) {
      // A killed `submodule update` leaves a submodule's files half moved: back to its
      // HEAD (git only moves submodules found without edits). The next deploy's update
      // then moves it to the recorded commit.
      const script = 'git diff --quiet HEAD || { git reset --hard --quiet && echo "$displaypath"; }';
      const reset = await this.query(['submodule', 'foreach', '--quiet', '--recursive', script], signal);
      for (const path of reset.split('\n').filter(Boolean)) {
        done.push(`put the files of submodule ${path} back to its HEAD`);
      }
    }
    return done;
  }

  /**
   * git writes a commit's new files before the index and HEAD: killed in between, it
   * leaves them untracked, and every later merge refuses to overwrite them. Removes the
   * files the fetched commit adds that are byte for byte its version (the operator's own
   * untracked files, or a half-written one, stay; the next deploy then says which).
   */
  private async removeCheckedOutLeftovers(signal: AbortSignal): Promise<string[]> {
    const args = ['diff', '--raw', '--no-abbrev', '-z', '--no-renames', '--diff-filter=A', 'HEAD', 'FETCH_HEAD'];
    const written: AddedFile[] = [];
    for (const file of parseAddedFiles(await this.query(args, signal).catch(() => ''))) {
      const info = await lstat(resolve(this.repoPath, file.path)).catch(() => undefined);
      if (info?.isFile()) written.push(file);
    }
    const removed: string[] = [];
    for (let start = 0; start < written.length; start += 200) {
      const batch = written.slice(start, start + 200);
      const paths = batch.map((file) => file.path);
      const hashes = (await this.query(['hash-object', '--', ...paths], signal)).split('\n');
      for (const [index, file] of batch.entries()) {
        if (hashes[index]?.trim() !== file.blob) continue;
        await rm(resolve(this.repoPath, file.path));
        removed.push(file.path);
      }
    }
    return removed;
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

  /**
   * The commit a branch points at, read from its ref file: no process to start (which
   * blocks the event loop for a few milliseconds). undefined when the ref is not a loose
   * file (packed, or another ref storage): ask git then.
   */
  async branchTip(branch: string): Promise<string | undefined> {
    this.commonDir ??= this.git()
      .raw(['rev-parse', '--path-format=absolute', '--git-common-dir'])
      .then((dir) => dir.trim());
    const dir = await this.commonDir.catch(() => undefined);
    if (dir === undefined) return undefined;
    const tip = await readFile(resolve(dir, 'refs', 'heads', branch), 'utf8').catch(() => '');
    return OBJECT_NAME.test(tip.trim()) ? tip.trim() : undefined;
  }

  /**
   * The branch's commit when it contains `sha` (is it or descends from it), else
   * undefined: the check after an update, in one process. Throws when `sha` is not a
   * commit in the repository.
   */
  async branchTipContaining(branch: string, sha: string, signal: AbortSignal): Promise<string | undefined> {
    const args = ['for-each-ref', `--contains=${sha}`, '--format=%(objectname)', `refs/heads/${branch}`];
    const tip = await this.query(args, signal).catch((error: unknown) => {
      if (signal.aborted) throw error;
      throw new GitStepError(`commit ${sha} is not in the repository after the update`);
    });
    return tip.trim() || undefined;
  }

  /** Whether every one of `commits` is `head` or an ancestor of it; false when one is not in the repository. */
  async containsAll(head: string, commits: readonly string[], signal: AbortSignal): Promise<boolean> {
    // The commits reachable from them and not from `head`: none when it contains them all.
    const missing = await this.query(['rev-list', '--count', ...commits, '--not', head], signal).catch(() => undefined);
    return missing?.trim() === '0';
  }

  /** Whether HEAD is `commitish` or an ancestor of it: a merge to it would fast-forward. */
  private async isFastForward(commitish: string, signal: AbortSignal): Promise<boolean> {
    // Prints the commits of HEAD that `commitish` lacks; `merge-base --is-ancestor` would print nothing.
    return (await this.query(['rev-list', '--count', `${commitish}..HEAD`], signal)).trim() === '0';
  }

  /** The branch tip the last update fetched (a manual deploy targets it). */
  async fetchedTip(signal: AbortSignal): Promise<string> {
    return (await this.query(['rev-parse', '--verify', 'FETCH_HEAD^{commit}'], signal)).trim();
  }
}
