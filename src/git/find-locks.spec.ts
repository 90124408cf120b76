import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findLocks } from './find-locks.js';

describe('findLocks', () => {
  let gitDir: string;
  const touch = (path: string): void => {
    mkdirSync(dirname(join(gitDir, path)), { recursive: true });
    writeFileSync(join(gitDir, path), '');
  };

  beforeAll(() => {
    gitDir = mkdtempSync(join(tmpdir(), 'hookdeploy-locks-'));
    for (const repository of ['', 'modules/lib/', 'modules/vendor/tools/', 'modules/lib/modules/nested/']) {
      touch(`${repository}HEAD`);
      touch(`${repository}index.lock`);
      touch(`${repository}refs/heads/feature/x.lock`);
      // Objects and logs are git's own business.
      touch(`${repository}objects/pack/tmp.lock`);
      touch(`${repository}logs/HEAD.lock`);
    }
  });
  afterAll(() => rmSync(gitDir, { recursive: true, force: true }));

  it("finds the index, HEAD and ref locks of the repository and of every submodule's git directory", async () => {
    const expected = ['', 'modules/lib/', 'modules/vendor/tools/', 'modules/lib/modules/nested/'].flatMap(
      (repository) => [`${repository}index.lock`, `${repository}refs/heads/feature/x.lock`],
    );
    expect(await findLocks(gitDir)).toEqual(expected.map((path) => join(gitDir, path)).sort());
  });

  it('finds nothing in a directory without locks, or none at all', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'hookdeploy-locks-'));
    expect(await findLocks(empty)).toEqual([]);
    expect(await findLocks(join(empty, 'missing'))).toEqual([]);
    rmSync(empty, { recursive: true });
  });
});
