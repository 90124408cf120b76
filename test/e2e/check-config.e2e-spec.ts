import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { GIT_ENV, GitFixture } from '../fixtures/git-fixture.js';

const exec = promisify(execFile);
const MAIN = resolve(import.meta.dirname, '../../dist/main.js');

/**
 * `node dist/main.js --check-config` as an operator runs it, with only the given variables
 * (and PATH, git's isolation): its exit code, stdout and stderr lines.
 */
async function checkConfig(
  env: Record<string, string>,
  cwd: string,
): Promise<{ code: number | null; stdout: string[]; stderr: string[] }> {
  const gitEnv = Object.fromEntries(Object.entries(GIT_ENV).filter(([key]) => key.startsWith('GIT_')));
  const lines = (text: string): string[] => text.split('\n').filter(Boolean);
  try {
    const { stdout, stderr } = await exec(process.execPath, [MAIN, '--check-config'], {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...gitEnv, ...env },
      timeout: 20_000,
    });
    return { code: 0, stdout: lines(stdout), stderr: lines(stderr) };
  } catch (error) {
    const failed = error as { code: number | null; stdout: string; stderr: string };
    return { code: failed.code, stdout: lines(failed.stdout), stderr: lines(failed.stderr) };
  }
}

describe('node dist/main.js --check-config', () => {
  let fixture: GitFixture;
  let repos: string[];
  let file: (name: string, ...lines: string[]) => Promise<string>;

  beforeAll(async () => {
    fixture = await GitFixture.create();
    repos = [];
    for (const name of ['site', 'blog', 'shop']) repos.push(await fixture.clone(name));
    file = (name, ...lines) => fixture.writeLines(name, ...lines);
  });
  afterAll(async () => {
    await fixture.remove();
  });

  it('accepts env-only mode: one target, default, without listening or opening the database', async () => {
    const dataDir = join(fixture.root, 'data-env');
    const result = await checkConfig(
      { GITHUB_SECRET: 's', REPO_PATH: fixture.deploy, DATA_DIR: dataDir, PORT: '1' },
      fixture.root,
    );
    expect(result).toEqual({ code: 0, stdout: ['config ok: 1 target(s): default'], stderr: [] });
    await expect(stat(dataDir)).rejects.toThrow('ENOENT');
  });

  it('accepts a file with three targets', async () => {
    await file(
      'three.yml',
      'targets:',
      '  - id: site',
      '    secrets: ["${SITE_SECRET}"]',
      `    repoPath: ${repos[0]}`,
      '  - id: blog',
      '    forge: gitea',
      '    secrets: [blog-inline]',
      `    repoPath: ${repos[1]}`,
      '  - id: shop',
      '    forge: bitbucket',
      '    secrets: [shop-inline]',
      `    repoPath: ${repos[2]}`,
      '    strategy: reset',
    );
    const result = await checkConfig({ HOOKDEPLOY_CONFIG: 'three.yml', SITE_SECRET: 'site-secret' }, fixture.root);
    expect(result).toEqual({ code: 0, stdout: ['config ok: 3 target(s): site, blog, shop'], stderr: [] });
  });

  it('lists every problem of a file at once, one per line with its place, and exits 1', async () => {
    const path = await file(
      'bad.yml',
      'targets:',
      '  - id: site',
      '    secrets: ["${SITE_SECRET}"]',
      '    repoPath: relative',
      '  - id: site',
      '    secrets: [b]',
      `    repoPath: ${repos[1]}`,
      '    branch: nope',
      '    timeout: 0',
    );
    const result = await checkConfig({ HOOKDEPLOY_CONFIG: path }, fixture.root);
    expect(result).toEqual({
      code: 1,
      stdout: [],
      stderr: [
        `${path}:3:15 targets[0].secrets[0]: \${SITE_SECRET} is not set`,
        `${path}:4:15 targets[0].repoPath: must be an absolute path`,
        `${path}:5:9 targets[1].id: duplicate id site: targets[0] has it already`,
        `${path}:9:14 targets[1].timeout: must be a number of seconds above 0 and at most 86400`,
      ],
    });
  });

  it('names an unknown key, with a guess', async () => {
    const path = await file(
      'typo.yml',
      'targets:',
      '  - id: site',
      '    secrets: [a]',
      `    repoPath: ${repos[0]}`,
      '    comand: make',
    );
    expect(await checkConfig({ HOOKDEPLOY_CONFIG: path }, fixture.root)).toEqual({
      code: 1,
      stdout: [],
      stderr: [`${path}:5:5 targets[0].comand: unknown key (did you mean command?)`],
    });
  });

  it('names an unset ${VAR} and its target', async () => {
    const path = await file(
      'unset.yml',
      'targets:',
      '  - id: site',
      '    secrets: [a, "${OLD_SECRET}"]',
      `    repoPath: ${repos[0]}`,
    );
    expect(await checkConfig({ HOOKDEPLOY_CONFIG: path, OLD_SECRET: '' }, fixture.root)).toEqual({
      code: 1,
      stdout: [],
      stderr: [`${path}:3:18 targets[0].secrets[1]: \${OLD_SECRET} is not set`],
    });
  });

  it('refuses a per-target variable set beside HOOKDEPLOY_CONFIG, never quoting its value', async () => {
    const path = await file('ok.yml', 'targets:', '  - id: site', '    secrets: [a]', `    repoPath: ${repos[0]}`);
    const result = await checkConfig({ HOOKDEPLOY_CONFIG: path, GITHUB_SECRET: 'env-secret-4f5a' }, fixture.root);
    expect(result).toEqual({
      code: 1,
      stdout: [],
      stderr: [`GITHUB_SECRET must not be set with HOOKDEPLOY_CONFIG: each target of ${path} has its own settings`],
    });
  });

  it('checks the repositories, and reads .env like the boot', async () => {
    await writeFile(join(fixture.root, '.env'), `GITHUB_SECRET=s\nREPO_PATH=${fixture.deploy}\nDEPLOY_BRANCH=other\n`);
    try {
      expect(await checkConfig({}, fixture.root)).toEqual({
        code: 1,
        stdout: [],
        stderr: ['DEPLOY_BRANCH is "other" but REPO_PATH has "main" checked out'],
      });
    } finally {
      await writeFile(join(fixture.root, '.env'), '');
    }
  });
});
