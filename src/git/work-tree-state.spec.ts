import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseStatus } from './work-tree-state.js';

describe('parseStatus, on the output of a real git', () => {
  let dir: string;
  const git = (...args: string[]): string =>
    execFileSync('git', args, {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
    });
  const status = (): string => git('status', '--porcelain=v2', '--branch', '--untracked-files=no');
  const commit = (message: string): void => {
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '--allow-empty', '-m', message);
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hookdeploy-status-'));
    git('init', '--quiet', '--initial-branch=main');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('before the first commit: the branch, no HEAD', () => {
    expect(parseStatus(status())).toEqual({ head: undefined, branch: 'main', changes: [] });
  });

  it('a clean tree on a branch: HEAD and the branch, no changes; untracked files do not count', () => {
    writeFileSync(join(dir, 'a file.txt'), 'one\n');
    writeFileSync(join(dir, 'b.txt'), 'one\n');
    git('add', '.');
    commit('first');
    writeFileSync(join(dir, 'untracked.txt'), 'x\n');
    expect(parseStatus(status())).toEqual({ head: git('rev-parse', 'HEAD').trim(), branch: 'main', changes: [] });
  });

  it('modified, staged and renamed paths (with spaces) are changes', () => {
    writeFileSync(join(dir, 'a file.txt'), 'two\n');
    renameSync(join(dir, 'b.txt'), join(dir, 'c d.txt'));
    git('add', '--all', 'b.txt', 'c d.txt');
    expect(parseStatus(status()).changes.sort()).toEqual(['a file.txt', 'c d.txt']);
    git('reset', '--quiet', '--hard');
  });

  it('a detached HEAD has no branch', () => {
    const head = git('rev-parse', 'HEAD').trim();
    git('checkout', '--quiet', '--detach');
    expect(parseStatus(status())).toEqual({ head, branch: undefined, changes: [] });
    git('checkout', '--quiet', 'main');
  });

  it('an unmerged path is a change', () => {
    git('checkout', '--quiet', '-b', 'other');
    writeFileSync(join(dir, 'a file.txt'), 'other\n');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-am', 'other');
    git('checkout', '--quiet', 'main');
    writeFileSync(join(dir, 'a file.txt'), 'main\n');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-am', 'main');
    expect(() => git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'merge', '--quiet', 'other')).toThrow();
    expect(parseStatus(status()).changes).toEqual(['a file.txt']);
    git('merge', '--abort');
  });

  describe('a submodule', () => {
    const inSub = (...args: string[]): string => git('-C', 'sub', ...args);
    let library: string;
    beforeAll(() => {
      library = mkdtempSync(join(tmpdir(), 'hookdeploy-library-'));
      git('init', '--quiet', '--initial-branch=main', library);
      for (const n of [1, 2]) {
        writeFileSync(join(library, 'lib.txt'), `${n}\n`);
        git('-C', library, 'add', '.');
        git('-C', library, '-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-qm', `${n}`);
      }
      git('-c', 'protocol.file.allow=always', 'submodule', 'add', '--quiet', library, 'sub');
      inSub('checkout', '--quiet', 'HEAD~1');
      git('add', 'sub');
      commit('the submodule, at its first commit');
    });
    afterAll(() => rmSync(library, { recursive: true, force: true }));
    afterEach(() => {
      inSub('checkout', '--quiet', '--force', git('rev-parse', 'HEAD:sub').trim());
      git('reset', '--quiet', 'HEAD', '--', 'sub');
    });

    it('at another commit than recorded is no change (git pull does not mind; the deploy moves it back)', () => {
      inSub('checkout', '--quiet', 'main');
      expect(status()).toMatch(/^1 \.M SC\.\. .* sub$/m);
      expect(parseStatus(status()).changes).toEqual([]);
    });

    it('with edited files is a change, and so is a pointer change that is staged', () => {
      writeFileSync(join(dir, 'sub', 'lib.txt'), 'edited\n');
      expect(status()).toMatch(/^1 \.M S\.M\. .* sub$/m);
      expect(parseStatus(status()).changes).toEqual(['sub']);
      inSub('checkout', '--quiet', '--force', 'main');
      git('add', 'sub');
      expect(status()).toMatch(/^1 M\. S\.\.\. .* sub$/m);
      expect(parseStatus(status()).changes).toEqual(['sub']);
    });
  });
});
