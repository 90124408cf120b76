import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAddedFiles } from './added-files.js';

describe('parseAddedFiles, on the output of a real git', () => {
  let dir: string;
  const git = (...args: string[]): string =>
    execFileSync('git', args, {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
    });
  const commit = (message: string): string => {
    git('add', '--all');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '--allow-empty', '-m', message);
    return git('rev-parse', 'HEAD').trim();
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hookdeploy-added-'));
    git('init', '--quiet', '--initial-branch=main');
    writeFileSync(join(dir, 'kept.txt'), 'kept\n');
    writeFileSync(join(dir, 'changed.txt'), 'one\n');
    commit('first');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the regular files a commit adds, with their blobs, and nothing else', () => {
    const before = git('rev-parse', 'HEAD').trim();
    writeFileSync(join(dir, 'new file.txt'), 'new\n');
    writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\n');
    chmodSync(join(dir, 'run.sh'), 0o755);
    writeFileSync(join(dir, 'changed.txt'), 'two\n');
    symlinkSync('kept.txt', join(dir, 'link'));
    const after = commit('second');
    const output = git('diff', '--raw', '--no-abbrev', '-z', '--no-renames', '--diff-filter=A', before, after);
    expect(parseAddedFiles(output).sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: 'new file.txt', blob: git('rev-parse', `${after}:new file.txt`).trim() },
      { path: 'run.sh', blob: git('rev-parse', `${after}:run.sh`).trim() },
    ]);
  });

  it('reads nothing from empty output', () => {
    expect(parseAddedFiles('')).toEqual([]);
  });
});
