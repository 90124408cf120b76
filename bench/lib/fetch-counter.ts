import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { git } from '../../test/fixtures/git-fixture.js';

/**
 * Counts the fetches a clone makes, on the origin's side: git runs
 * `remote.origin.uploadpack` once per fetch or pull, even from a local path.
 */
export class FetchCounter {
  private constructor(
    private readonly clone: string,
    private readonly tally: string,
  ) {}

  static async install(clone: string, dir: string): Promise<FetchCounter> {
    const tally = join(dir, 'fetches.tally');
    const script = join(dir, 'counting-upload-pack.sh');
    await writeFile(script, `#!/bin/sh\necho fetch >> "${tally}"\nexec git upload-pack "$@"\n`);
    await chmod(script, 0o755);
    await rm(tally, { force: true });
    await git(clone, 'config', 'remote.origin.uploadpack', script);
    return new FetchCounter(clone, tally);
  }

  async count(): Promise<number> {
    const text = await readFile(this.tally, 'utf8').catch(() => '');
    return text.split('\n').filter(Boolean).length;
  }

  async uninstall(): Promise<void> {
    await git(this.clone, 'config', '--unset', 'remote.origin.uploadpack');
  }
}
