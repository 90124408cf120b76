import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { PullStrategy } from '../domain/pull-strategy.js';
import { currentBranch } from './branch-names.js';
import { GitCommands, type UpdateControl } from './git-commands.js';
import { exportTree } from './export-tree.js';
import { GitStepError } from './git.errors.js';
import { hasSubmodules } from './has-submodules.js';
import { inspectWorkTree, type WorkTreeFacts } from './inspect-work-tree.js';
import { clearInterruptedUpdate, type CleanUp } from './work-tree-cleanup.js';
import { parseStatus, type WorkTreeState } from './work-tree-state.js';

export type { UpdateControl } from './git-commands.js';
export type { WorkTreeFacts } from './inspect-work-tree.js';

/** Keeps `git fetch` and `git merge` from starting git's housekeeping on the way; see maintain(). */
const DEFERRED_MAINTENANCE = ['-c', 'maintenance.auto=false', '-c', 'gc.auto=0'];

const OBJECT_NAME = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

function trackingRef(branch: string): string {
  return `refs/remotes/origin/${branch}`;
}

/**
 * The only code in hookdeploy that runs git, always in one work tree: the queries and
 * the steps that move the work tree to a fetched commit. What a failed or killed step
 * leaves is cleared by clearInterruptedUpdate() (work-tree-cleanup.ts).
 */
export class GitService {
  private readonly git: GitCommands;
  private commonDir: Promise<string> | undefined;

  constructor(readonly repoPath: string) {
    this.git = new GitCommands(repoPath);
  }

  /** Facts needed at boot; throws when the path is not a usable git work tree. */
  inspect(): Promise<WorkTreeFacts> {
    return inspectWorkTree(this.git);
  }

  currentBranch(): Promise<string | undefined> {
    return currentBranch(this.git);
  }

  async head(): Promise<string> {
    return (await this.git.short(['rev-parse', '--verify', 'HEAD'])).trim();
  }

  /**
   * HEAD, the branch and the tracked changes from one `git status`: one process instead
   * of three, at the start of every deployment.
   */
  async state(signal: AbortSignal): Promise<WorkTreeState> {
    return parseStatus(await this.git.query(['status', '--porcelain=v2', '--branch', '--untracked-files=no'], signal));
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
      await this.git.run(args, control);
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
    if (strategy === 'reset') return this.git.run(['reset', '--hard', tracking], control);
    try {
      await this.git.run([...DEFERRED_MAINTENANCE, 'merge', '--ff-only', '--no-edit', tracking], control);
    } catch (error) {
      if (strategy === 'ff-only' || control.signal.aborted || (await this.isFastForward(tracking, control.signal))) {
        throw error;
      }
      control.output(`hookdeploy: not a fast-forward: rebasing the local commits onto ${tracking}\n`);
      await this.git.run([...DEFERRED_MAINTENANCE, 'rebase', '--no-autostash', '--fork-point', tracking], control);
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
    if (!(await hasSubmodules(this.repoPath))) return;
    const force = strategy === 'reset' ? ['--force'] : [];
    try {
      await this.git.run([...DEFERRED_MAINTENANCE, 'submodule', 'update', '--init', '--recursive', ...force], control);
    } catch (error) {
      if (control.signal.aborted) await this.tidyUp({ locks: true, workTree: true }, control);
      throw error;
    }
  }

  /** clearInterruptedUpdate() after a failed step, told in the deployment's log. */
  private async tidyUp(what: CleanUp, control: UpdateControl): Promise<void> {
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
    await this.git.run(['maintenance', 'run', '--auto', '--quiet'], control);
  }

  /** See work-tree-cleanup.ts: after a crash, a timeout or a failure during an update. */
  clearInterruptedUpdate(what: CleanUp): Promise<string[]> {
    return clearInterruptedUpdate(this.git, what);
  }

  /**
   * The commit a branch points at, read from its ref file: no process to start (which
   * blocks the event loop for a few milliseconds). undefined when the ref is not a loose
   * file (packed, or another ref storage): ask git then.
   */
  async branchTip(branch: string): Promise<string | undefined> {
    this.commonDir ??= this.git
      .short(['rev-parse', '--path-format=absolute', '--git-common-dir'])
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
    const tip = await this.git.query(args, signal).catch((error: unknown) => {
      if (signal.aborted) throw error;
      throw new GitStepError(`commit ${sha} is not in the repository after the update`);
    });
    return tip.trim() || undefined;
  }

  /** Whether every one of `commits` is `head` or an ancestor of it; false when one is not in the repository. */
  async containsAll(head: string, commits: readonly string[], signal: AbortSignal): Promise<boolean> {
    // The commits reachable from them and not from `head`: none when it contains them all.
    const missing = await this.git
      .query(['rev-list', '--count', ...commits, '--not', head], signal)
      .catch(() => undefined);
    return missing?.trim() === '0';
  }

  /** Whether HEAD is `commitish` or an ancestor of it: a merge to it would fast-forward. */
  private async isFastForward(commitish: string, signal: AbortSignal): Promise<boolean> {
    // Prints the commits of HEAD that `commitish` lacks; `merge-base --is-ancestor` would print nothing.
    return (await this.git.query(['rev-list', '--count', `${commitish}..HEAD`], signal)).trim() === '0';
  }

  /**
   * Release mode: the tree of `sha` (submodules included) written into `dir`, which must
   * not exist yet; `indexFile` is a scratch index, removed afterwards. See export-tree.ts.
   */
  exportTree(sha: string, dir: string, indexFile: string, control: UpdateControl): Promise<void> {
    return exportTree(this.git, sha, dir, indexFile, control);
  }

  /** The full name of the commit `prefix` (a release's sha7) names; undefined when none or several do. */
  async commitNamed(prefix: string): Promise<string | undefined> {
    const answer = await this.git.short(['rev-parse', '--verify', '--quiet', `${prefix}^{commit}`]).catch(() => '');
    return OBJECT_NAME.test(answer.trim()) ? answer.trim() : undefined;
  }

  /** Whether `sha` (checked to be an object name) is a commit this repository has: a rollback needs no fetch then. */
  async hasCommit(sha: string, signal: AbortSignal): Promise<boolean> {
    if (!OBJECT_NAME.test(sha)) return false;
    // `cat-file -t` prints the type, so the answer is never a silent exit code.
    const type = await this.git.query(['cat-file', '-t', sha], signal).catch(() => '');
    return type.trim() === 'commit';
  }

  /**
   * A rollback in place: the branch checked out and the work tree back to `sha`
   * (`git reset --hard`). The caller checked the work tree as for any deployment; on
   * failure, a timeout included, what the reset left is cleared like a failed update.
   */
  async resetTo(sha: string, control: UpdateControl): Promise<void> {
    if (!OBJECT_NAME.test(sha)) throw new GitStepError(`not a commit id: ${sha}`);
    try {
      await this.git.run(['reset', '--hard', sha], control);
    } catch (error) {
      await this.tidyUp({ locks: control.signal.aborted, workTree: true }, control);
      throw error;
    }
  }

  /** The branch tip the last update fetched (a manual deploy targets it). */
  async fetchedTip(signal: AbortSignal): Promise<string> {
    return (await this.git.query(['rev-parse', '--verify', 'FETCH_HEAD^{commit}'], signal)).trim();
  }
}
