import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GIT_ENV, GitFixture, git } from '../../test/fixtures/git-fixture.js';
import { ConfigError } from './config.error.js';
import { loadConfig, readEnvironment } from './load-config.js';

// The service's git reads process.env: keep it away from the machine's git configuration.
for (const key of ['GIT_CONFIG_NOSYSTEM', 'GIT_CONFIG_GLOBAL'] as const) process.env[key] = GIT_ENV[key];

const SECRET = 'load-config-secret';

async function problems(env: Record<string, string>, cwd?: string): Promise<string[]> {
  try {
    await loadConfig({ GITHUB_SECRET: SECRET, ...env }, cwd);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('loadConfig accepted the configuration');
}

describe('loadConfig', () => {
  let fixture: GitFixture;
  /** A fresh clone of the fixture's origin, on its branch, to change at will. */
  let clone: (name: string) => Promise<string>;

  beforeAll(async () => {
    fixture = await GitFixture.create({ branch: 'trunk' });
    clone = (name) => fixture.clone(name);
  });
  afterAll(async () => {
    await fixture.remove();
  });

  it('defaults DEPLOY_BRANCH to the branch checked out in REPO_PATH', async () => {
    const config = await loadConfig({ GITHUB_SECRET: SECRET, REPO_PATH: fixture.deploy });
    expect(config).toMatchObject({ repoPath: fixture.deploy, deployBranch: 'trunk', githubSecret: SECRET });
  });

  it('accepts a DEPLOY_BRANCH equal to the checked-out branch, refs/heads/ or not', async () => {
    const config = await loadConfig({
      GITHUB_SECRET: SECRET,
      REPO_PATH: fixture.deploy,
      DEPLOY_BRANCH: 'refs/heads/trunk',
    });
    expect(config.deployBranch).toBe('trunk');
  });

  it('resolves a relative REPO_PATH against the given working directory', async () => {
    const config = await loadConfig({ GITHUB_SECRET: SECRET, REPO_PATH: 'deploy' }, fixture.root);
    expect(config.repoPath).toBe(fixture.deploy);
  });

  describe('DEPLOY_REPOSITORY', () => {
    let repo: string;
    beforeAll(async () => {
      repo = await clone('slugs');
    });

    it.each([
      ['https://github.com/Octo-Org/hello-world.git', 'Octo-Org/hello-world'],
      ['ssh://git@github.com/octo-org/hello-world.git', 'octo-org/hello-world'],
      ['git@github.com:octo-org/hello-world.git', 'octo-org/hello-world'],
      ['https://gitlab.com/octo-org/hello-world.git', undefined],
    ])('defaults to the GitHub slug of origin %s: %s', async (url, slug) => {
      await git(repo, 'remote', 'set-url', 'origin', url);
      const config = await loadConfig({ GITHUB_SECRET: SECRET, REPO_PATH: repo });
      expect(config.deployRepository).toBe(slug);
    });

    it('is undefined for an origin that is a local path', async () => {
      const config = await loadConfig({ GITHUB_SECRET: SECRET, REPO_PATH: fixture.deploy });
      expect(config.deployRepository).toBeUndefined();
    });

    it('takes DEPLOY_REPOSITORY over the slug of origin', async () => {
      await git(repo, 'remote', 'set-url', 'origin', 'https://github.com/octo-org/hello-world.git');
      const config = await loadConfig({ GITHUB_SECRET: SECRET, REPO_PATH: repo, DEPLOY_REPOSITORY: 'other/repo' });
      expect(config.deployRepository).toBe('other/repo');
    });
  });

  describe('refuses REPO_PATH', () => {
    it('when it does not exist', async () => {
      const missing = join(fixture.root, 'missing');
      expect(await problems({ REPO_PATH: missing })).toEqual([`REPO_PATH: ${missing} does not exist`]);
    });

    it('when it is a file', async () => {
      const file = join(fixture.root, 'a-file');
      await writeFile(file, 'not a repository\n');
      expect(await problems({ REPO_PATH: file })).toEqual([`REPO_PATH: ${file} is not a directory`]);
    });

    it.each([
      ['a plain directory', 'plain'],
      ['a bare repository', 'origin.git'],
    ])('when it is %s, not a git work tree', async (_name, dir) => {
      const path = join(fixture.root, dir);
      await mkdir(path, { recursive: true });
      expect(await problems({ REPO_PATH: path })).toEqual([`REPO_PATH: ${path} is not a git work tree`]);
    });

    it('when the checked-out branch has no commit yet', async () => {
      const empty = join(fixture.root, 'empty');
      await git(fixture.root, 'init', '--quiet', '--initial-branch=trunk', empty);
      await git(empty, 'remote', 'add', 'origin', fixture.origin);
      expect(await problems({ REPO_PATH: empty })).toEqual([
        `REPO_PATH: ${empty} has no commit checked out yet; push a first commit and clone again`,
      ]);
    });

    it('when it has no remote "origin"', async () => {
      const repo = await clone('no-origin');
      await git(repo, 'remote', 'rename', 'origin', 'upstream');
      expect(await problems({ REPO_PATH: repo })).toEqual([`REPO_PATH: ${repo} has no remote "origin"`]);
    });
  });

  describe('refuses DEPLOY_BRANCH', () => {
    let detached: string;
    beforeAll(async () => {
      detached = await clone('detached');
      await git(detached, 'checkout', '--quiet', '--detach');
    });

    it('when it is unset and REPO_PATH has a detached HEAD', async () => {
      expect(await problems({ REPO_PATH: detached })).toEqual([
        expect.stringMatching(/^DEPLOY_BRANCH .*detached HEAD/),
      ]);
    });

    it('when it is set and REPO_PATH has a detached HEAD', async () => {
      expect(await problems({ REPO_PATH: detached, DEPLOY_BRANCH: 'trunk' })).toEqual([
        expect.stringMatching(/^DEPLOY_BRANCH is "trunk" .*detached HEAD/),
      ]);
    });

    it('when it differs from the checked-out branch', async () => {
      expect(await problems({ REPO_PATH: fixture.deploy, DEPLOY_BRANCH: 'main' })).toEqual([
        'DEPLOY_BRANCH is "main" but REPO_PATH has "trunk" checked out',
      ]);
    });
  });

  it('reports environment problems before looking at the work tree, without the secret', async () => {
    const found = await problems({ REPO_PATH: join(fixture.root, 'missing'), PORT: 'x' });
    expect(found).toEqual([expect.stringMatching(/^PORT /)]);
    expect(found.join('\n')).not.toContain(SECRET);
  });
});

describe('readEnvironment', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hookdeploy-env-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('returns the environment unchanged when the directory has no .env file', () => {
    const env = { PORT: '9000' };
    expect(readEnvironment(env, dir)).toEqual({ PORT: '9000' });
  });

  it('reads .env from the given directory, the environment winning over it', async () => {
    const file = ['# hookdeploy', 'PORT=9000', 'HOST=127.0.0.1', 'DEPLOY_COMMAND="npm run build && npm start"', ''];
    await writeFile(join(dir, '.env'), file.join('\n'));
    expect(readEnvironment({ HOST: '::1', GITHUB_SECRET: 's' }, dir)).toEqual({
      PORT: '9000',
      HOST: '::1',
      DEPLOY_COMMAND: 'npm run build && npm start',
      GITHUB_SECRET: 's',
    });
  });
});
