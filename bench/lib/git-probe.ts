import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The commit a branch points at, read from the repository's files as git writes them:
 * polling it costs no git process, so it does not slow down what is being measured.
 */
export async function branchTip(repo: string, branch: string): Promise<string | undefined> {
  const loose = await readFile(join(repo, '.git', 'refs', 'heads', branch), 'utf8').catch(() => undefined);
  if (loose) return loose.trim();
  const packed = await readFile(join(repo, '.git', 'packed-refs'), 'utf8').catch(() => '');
  const line = packed.split('\n').find((entry) => entry.endsWith(` refs/heads/${branch}`));
  return line?.slice(0, 40);
}

/** Resolves once the branch is at `sha`, polling every millisecond. */
export async function tipReaches(repo: string, branch: string, sha: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while ((await branchTip(repo, branch)) !== sha) {
    if (performance.now() > deadline) throw new Error(`${repo} did not reach ${sha.slice(0, 7)} in ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 1));
  }
}
