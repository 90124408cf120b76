import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
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
});
