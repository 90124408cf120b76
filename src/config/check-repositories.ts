import { realpath } from 'node:fs/promises';
import type { Target } from '../domain/target.js';
import { GitMissingError } from '../git/git.errors.js';
import { GitService } from '../git/git.service.js';
import { repositorySlug } from '../forges/repository-slug.js';
import { releasePathProblems } from './release-paths.js';
import type { FileTarget } from './targets-file.js';

/** How many work trees are inspected at once: each inspection is a few git processes. */
const PARALLEL_INSPECTIONS = 4;

export interface CheckedTargets {
  /** Complete only when `problems` is empty. */
  targets: Target[];
  problems: string[];
}

/**
 * What only the disk and git can tell, for every target at once: its work tree exists, is a
 * git work tree with a commit and an `origin`, has the target's branch checked out (the
 * default branch), and is no other target's work tree. Fills in the defaults (branch,
 * repository). Every problem is reported, each at its target's place in the file.
 */
export async function checkRepositories(all: readonly FileTarget[]): Promise<CheckedTargets> {
  // A fleet target has no work tree on the hub: nothing to inspect (its agents check their own).
  const fleetTargets = all.filter((draft) => draft.fleet !== undefined).map(fleetTarget);
  const drafts = all.filter((draft) => draft.fleet === undefined);
  const checked = await checkWorkTrees(drafts);
  // Back in the order of the file.
  const byId = new Map([...fleetTargets, ...checked.targets].map((target) => [target.id, target]));
  return { ...checked, targets: all.flatMap((draft) => byId.get(draft.id) ?? []) };
}

function fleetTarget(draft: FileTarget): Target {
  return {
    id: draft.id,
    forge: draft.forge,
    secrets: draft.secrets,
    repoPath: '',
    branch: draft.branch!,
    repository: draft.repository,
    strategy: draft.strategy,
    command: undefined,
    timeoutMs: draft.timeoutMs,
    fleet: draft.fleet,
    ...(draft.report && { report: draft.report }),
  };
}

async function checkWorkTrees(drafts: readonly FileTarget[]): Promise<CheckedTargets> {
  // Real paths: /srv/site and a symlink to it are the same work tree.
  const realPaths = await Promise.all(drafts.map((draft) => realpath(draft.repoPath).catch(() => draft.repoPath)));
  const firstAt = new Map<string, FileTarget>();
  const shared = drafts.map((draft, index): string[] => {
    const first = firstAt.get(realPaths[index]);
    if (first === undefined) firstAt.set(realPaths[index], draft);
    return first === undefined
      ? []
      : [`${draft.place('repoPath')}: the same work tree as targets[${first.index}] (${first.id})`];
  });

  let gitMissing = false;
  const results = await mapLimited(drafts, PARALLEL_INSPECTIONS, async (draft): Promise<Target | string[]> => {
    try {
      return complete(draft, await new GitService(draft.repoPath).inspect());
    } catch (error) {
      if (error instanceof GitMissingError) {
        gitMissing = true;
        return [];
      }
      return [`${draft.place('repoPath')}: ${(error as Error).message}`];
    }
  });
  // In the order of the file, a target's problems together.
  const problems: string[] = gitMissing ? [new GitMissingError().message] : [];
  const targets: Target[] = [];
  results.forEach((result, index) => {
    problems.push(...shared[index]);
    if (Array.isArray(result)) problems.push(...result);
    else targets.push(result);
  });
  problems.push(...(await releasePathProblems(drafts)));
  return { targets, problems };
}

function complete(
  draft: FileTarget,
  facts: { branch: string | undefined; originUrl: string | undefined },
): Target | string[] {
  const problems: string[] = [];
  if (facts.originUrl === undefined)
    problems.push(`${draft.place('repoPath')}: ${draft.repoPath} has no remote "origin"`);
  const checkedOut = facts.branch ? `"${facts.branch}"` : 'a detached HEAD';
  if (draft.branch === undefined && facts.branch === undefined) {
    problems.push(
      `${draft.place('repoPath')}: ${draft.repoPath} has no branch checked out (detached HEAD); check out the branch to deploy`,
    );
  } else if (draft.branch !== undefined && draft.branch !== facts.branch) {
    problems.push(`${draft.place('branch')}: is "${draft.branch}" but ${draft.repoPath} has ${checkedOut} checked out`);
  }
  const repository = draft.repository ?? repositorySlug(facts.originUrl ?? '', draft.forge);
  if (draft.report && repository === undefined && facts.originUrl !== undefined) {
    problems.push(
      `${draft.place('report')}: needs repository (origin's URL does not name the repository on the forge)`,
    );
  }
  if (problems.length > 0) return problems;
  return {
    id: draft.id,
    forge: draft.forge,
    secrets: draft.secrets,
    repoPath: draft.repoPath,
    branch: (draft.branch ?? facts.branch)!,
    repository,
    strategy: draft.strategy,
    command: draft.command,
    timeoutMs: draft.timeoutMs,
    ...(draft.release && { release: draft.release }),
    ...(draft.report && { report: draft.report }),
  };
}

/** `Promise.all(items.map(work))` with at most `limit` of them running at once, results in order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
