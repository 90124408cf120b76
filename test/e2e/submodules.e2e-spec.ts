import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { git } from '../fixtures/git-fixture.js';
import { TestApp } from '../fixtures/test-app.js';

/**
 * A work tree with a submodule, as `git clone --recurse-submodules` leaves it: `dev`
 * adds the submodule (a bare `sub.git` beside origin, fed by `sub-dev`) and pushes,
 * and the deploy clone pulls and checks it out.
 */
class WithSubmodule {
  constructor(private readonly t: TestApp) {}

  get subOrigin(): string {
    return join(this.t.fixture.root, 'sub.git');
  }
  get subDev(): string {
    return join(this.t.fixture.root, 'sub-dev');
  }

  async create(): Promise<void> {
    const { fixture } = this.t;
    await git(fixture.root, 'init', '--quiet', '--bare', '--initial-branch=main', this.subOrigin);
    await git(fixture.root, 'clone', '--quiet', this.subOrigin, this.subDev);
    await git(this.subDev, 'checkout', '--quiet', '-b', 'main');
    await this.commitInSubmodule('library 1');
    // git ≥ 2.38 refuses file:// submodules unless told (CVE-2022-39253); the fixture's
    // own git calls pass it on the command line.
    await git(fixture.dev, '-c', 'protocol.file.allow=always', 'submodule', 'add', '--quiet', this.subOrigin, 'lib');
    await git(fixture.dev, 'commit', '--quiet', '--no-gpg-sign', '-m', 'add the submodule');
    await fixture.push();
    await git(fixture.deploy, 'pull', '--quiet', '--ff-only');
    await git(fixture.deploy, '-c', 'protocol.file.allow=always', 'submodule', 'update', '--quiet', '--init');
  }

  /** Commits and pushes in the submodule's own repository; returns the sha. */
  async commitInSubmodule(message: string): Promise<string> {
    await writeFile(join(this.subDev, 'lib.txt'), `${message}\n`);
    await git(this.subDev, 'add', '--all');
    await git(this.subDev, 'commit', '--quiet', '--no-gpg-sign', '-m', message);
    await git(this.subDev, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main');
    return git(this.subDev, 'rev-parse', 'HEAD');
  }

  /** Moves the superproject's pointer to `sha` in `dev` and pushes; returns the pushed sha. */
  async movePointer(sha: string): Promise<string> {
    const lib = join(this.t.fixture.dev, 'lib');
    await git(lib, 'fetch', '--quiet', 'origin');
    await git(lib, 'checkout', '--quiet', sha);
    await git(this.t.fixture.dev, 'add', 'lib');
    await git(this.t.fixture.dev, 'commit', '--quiet', '--no-gpg-sign', '-m', `lib at ${sha.slice(0, 7)}`);
    return this.t.fixture.push();
  }

  deployedSubmoduleHead(): Promise<string> {
    return git(join(this.t.fixture.deploy, 'lib'), 'rev-parse', 'HEAD');
  }
}

const TEST_TIMEOUT = 30_000;

describe('a work tree with submodules', () => {
  let t: TestApp;
  let sub: WithSubmodule;
  let globalConfig: string;
  const previousGlobal = process.env.GIT_CONFIG_GLOBAL;

  beforeEach(async () => {
    // Short enough for the hung fetch below; a deploy here takes well under a second.
    t = await TestApp.start({ env: { DEPLOY_TIMEOUT: '3' } });
    // The service's git, like an operator's with file-URL submodules, allows the file
    // protocol in its configuration file (simple-git refuses it in the environment).
    globalConfig = join(t.fixture.root, 'gitconfig');
    await writeFile(globalConfig, '[protocol "file"]\n\tallow = always\n');
    process.env.GIT_CONFIG_GLOBAL = globalConfig;
    sub = new WithSubmodule(t);
    await sub.create();
  }, TEST_TIMEOUT);
  afterEach(async () => {
    process.env.GIT_CONFIG_GLOBAL = previousGlobal;
    await t?.close();
  });

  const deliver = async (sha: string) => {
    const res = await t.deliverPush({ after: sha });
    expect(res.status).toBe(202);
    return t.settled(res.body.deploymentId);
  };

  it(
    'a push that moves a submodule pointer checks the submodule out at the new commit; the next push deploys too',
    async () => {
      const library2 = await sub.commitInSubmodule('library 2');
      const moved = await sub.movePointer(library2);
      expect(await deliver(moved)).toMatchObject({ status: 'succeeded', headAfter: moved });
      expect(await sub.deployedSubmoduleHead()).toBe(library2);
      expect(await readFile(join(t.fixture.deploy, 'lib', 'lib.txt'), 'utf8')).toBe('library 2\n');
      expect(await git(t.fixture.deploy, 'status', '--porcelain')).toBe('');

      const next = await t.fixture.commitAndPush('an ordinary change');
      expect(await deliver(next)).toMatchObject({ status: 'succeeded', headAfter: next });
      expect(await sub.deployedSubmoduleHead()).toBe(library2);
    },
    TEST_TIMEOUT,
  );

  it(
    'a submodule left at another commit does not block a deploy (git pull does not either); the deploy puts it back',
    async () => {
      const library2 = await sub.commitInSubmodule('library 2');
      const lib = join(t.fixture.deploy, 'lib');
      await git(lib, 'fetch', '--quiet', 'origin');
      await git(lib, 'checkout', '--quiet', library2);
      const recorded = await git(t.fixture.deploy, 'rev-parse', 'HEAD:lib');

      const next = await t.fixture.commitAndPush('an ordinary change');
      expect(await deliver(next)).toMatchObject({ status: 'succeeded', headAfter: next });
      expect(await sub.deployedSubmoduleHead()).toBe(recorded);
    },
    TEST_TIMEOUT,
  );

  it(
    'edited files inside a submodule are uncommitted changes: the deploy refuses and names the submodule',
    async () => {
      await writeFile(join(t.fixture.deploy, 'lib', 'lib.txt'), 'edited on the server\n');
      const next = await t.fixture.commitAndPush('an ordinary change');
      const deployment = await deliver(next);
      expect(deployment.status).toBe('failed');
      expect(deployment.error).toBe('work tree has uncommitted changes: lib');
      expect(await readFile(join(t.fixture.deploy, 'lib', 'lib.txt'), 'utf8')).toBe('edited on the server\n');
    },
    TEST_TIMEOUT,
  );

  it.each([
    // git fetch brings the commits of the submodules the fetched commits move (on-demand).
    { where: 'the fetch', config: {}, error: /^timed out after 3s: git fetch was stopped/, moves: false },
    {
      where: 'git submodule update',
      config: { 'fetch.recurseSubmodules': 'false' },
      error: /^timed out after 3s: git submodule update was stopped/,
      moves: true,
    },
  ])(
    'a submodule fetch that hangs in $where is ended by DEPLOY_TIMEOUT, and the next deploy brings the submodule',
    async ({ config, error, moves }) => {
      for (const [key, value] of Object.entries(config)) await git(t.fixture.deploy, 'config', key, value);
      // The submodule's own fetch runs this (git uses remote.*.uploadpack for a local path too).
      const script = join(t.fixture.root, 'hang.sh');
      await writeFile(script, '#!/bin/sh\nsleep 60\n', { mode: 0o755 });
      const libGitDir = join(t.fixture.deploy, '.git', 'modules', 'lib');
      await git(libGitDir, 'config', 'remote.origin.uploadpack', script);

      const before = await t.fixture.deployHead();
      const library2 = await sub.commitInSubmodule('library 2');
      const moved = await sub.movePointer(library2);
      const stuck = await deliver(moved);
      expect(stuck).toMatchObject({ status: 'failed', headAfter: moves ? moved : before });
      expect(stuck.error).toMatch(error);
      expect(await sub.deployedSubmoduleHead()).not.toBe(library2);
      expect(await git(t.fixture.deploy, 'status', '--porcelain', '--ignore-submodules=dirty')).toBe(
        moves ? 'M lib' : '', // (trimmed)
      );

      await git(libGitDir, 'config', '--unset', 'remote.origin.uploadpack');
      const next = await t.fixture.commitAndPush('an ordinary change');
      expect(await deliver(next)).toMatchObject({ status: 'succeeded', headAfter: next });
      expect(await sub.deployedSubmoduleHead()).toBe(library2);
      expect(await git(t.fixture.deploy, 'status', '--porcelain')).toBe('');
    },
    TEST_TIMEOUT,
  );
});
