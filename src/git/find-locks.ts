import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';

async function isGitDir(dir: string): Promise<boolean> {
  return access(join(dir, 'HEAD')).then(
    () => true,
    () => false,
  );
}

/**
 * The `*.lock` files git may leave in a repository when it is killed: the index, HEAD,
 * ORIG_HEAD, packed-refs, and any ref under refs/; the same in the git directories of
 * its submodules (`modules/<name>/`, names may contain slashes, and nested submodules
 * have their own `modules/`). Objects and logs are not looked at.
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
  const visitRepository = async (dir: string): Promise<void> => {
    await visit(dir, false);
    await visit(join(dir, 'refs'), true);
    await visitModules(join(dir, 'modules'));
  };
  const visitModules = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const path = join(dir, entry.name);
      if (await isGitDir(path)) await visitRepository(path);
      else await visitModules(path);
    }
  };
  await visitRepository(gitDir);
  return locks.sort();
}
