import { rm } from 'node:fs/promises';
import type { GitCommands, UpdateControl } from './git-commands.js';
import { hasSubmodules } from './has-submodules.js';

/**
 * Copies each submodule's checked-out tree (the clone's submodules are already at the
 * commits the exported tree records) into the same place under the release. Each gets a
 * temporary index of its own in its git directory, so the clone's indexes stay untouched.
 */
const SUBMODULE_EXPORT = [
  'index="$(git rev-parse --absolute-git-dir)/hookdeploy-release.index"',
  // Left by an export a crash interrupted: deployments of a target never overlap.
  'rm -f "$index" "$index.lock"',
  'GIT_INDEX_FILE="$index" git read-tree HEAD &&',
  '  GIT_INDEX_FILE="$index" git checkout-index --all --prefix="$HOOKDEPLOY_RELEASE_DIR/$displaypath/"',
  'status=$?; rm -f "$index"; exit $status',
].join('\n');

/**
 * Writes the tree of `sha` (and of the submodules the clone checked out) into `dir`, a
 * new directory outside the clone, without a git worktree and without touching the
 * clone's HEAD, index or files: `read-tree` into a temporary index, then `checkout-index`
 * with `dir` as the prefix (which, unlike `git archive`, applies the checkout filters and
 * attributes, as a clone would).
 */
export async function exportTree(
  git: GitCommands,
  sha: string,
  dir: string,
  indexFile: string,
  control: UpdateControl,
): Promise<void> {
  const index = { GIT_INDEX_FILE: indexFile };
  // A lock a killed export left would make read-tree refuse; deployments of a target never overlap.
  await rm(`${indexFile}.lock`, { force: true });
  try {
    await git.run(['read-tree', sha], control, index);
    await git.run(['checkout-index', '--all', `--prefix=${dir}/`], control, index);
  } finally {
    await rm(indexFile, { force: true });
  }
  if (!(await hasSubmodules(dir))) return;
  await git.run(['submodule', '--quiet', 'foreach', '--recursive', SUBMODULE_EXPORT], control, {
    HOOKDEPLOY_RELEASE_DIR: dir,
  });
}
