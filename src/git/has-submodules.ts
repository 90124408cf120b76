import { access } from 'node:fs/promises';
import { resolve } from 'node:path';

/** Whether the work tree declares submodules: without a `.gitmodules` there is nothing to update. */
export function hasSubmodules(repoPath: string): Promise<boolean> {
  return access(resolve(repoPath, '.gitmodules')).then(
    () => true,
    () => false,
  );
}
