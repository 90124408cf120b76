import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The `*.lock` files git may leave in a repository when it is killed: the index, HEAD,
 * ORIG_HEAD, packed-refs, and any ref under refs/. Objects and logs are not looked at.
 */
export async function findLocks(gitDir: string): Promise<string[]> {
  const locks: string[] = [];
  const visit = async (dir: string, recurse: boolean): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isFile() && entry.name.endsWith('.lock')) locks.push(path);
      else if (recurse && entry.isDirectory()) await visit(path, true);
    }
  };
  await visit(gitDir, false);
  await visit(join(gitDir, 'refs'), true);
  return locks.sort();
}
