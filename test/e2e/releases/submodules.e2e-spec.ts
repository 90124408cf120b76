import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git } from '../../fixtures/git-fixture.js';
import { ReleaseService, WAIT_MS } from './release-service.js';

describe('release mode: a commit with submodules', () => {
  let site: ReleaseService;
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'hookdeploy-release-sub-'));
    // The service's git allows file:// submodules in its configuration, as an operator's would.
    const config = join(scratch, 'gitconfig');
    await writeFile(config, '[protocol "file"]\n\tallow = always\n');
    site = await ReleaseService.start({}, { GIT_CONFIG_GLOBAL: config });
  }, 60_000);

  afterAll(async () => {
    await site?.remove();
    await rm(scratch, { recursive: true, force: true });
  });

  it(
    "writes each submodule's files (nested ones too) into the release",
    async () => {
      // lib (a submodule) holds inner (its own submodule).
      const make = async (name: string, file: string): Promise<string> => {
        const bare = join(scratch, `${name}.git`);
        const dev = join(scratch, name);
        await git(scratch, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
        await git(scratch, 'clone', '--quiet', bare, dev);
        await git(dev, 'checkout', '--quiet', '-b', 'main');
        await writeFile(join(dev, file), `${name}\n`);
        return dev;
      };
      const commitAndPush = async (dev: string): Promise<void> => {
        await git(dev, 'add', '--all');
        await git(dev, 'commit', '--quiet', '--no-gpg-sign', '-m', 'content');
        await git(dev, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main');
      };
      const inner = await make('inner', 'inner.txt');
      await commitAndPush(inner);
      const lib = await make('lib', 'lib.txt');
      await git(
        lib,
        '-c',
        'protocol.file.allow=always',
        'submodule',
        'add',
        '--quiet',
        join(scratch, 'inner.git'),
        'inner',
      );
      await commitAndPush(lib);
      const { dev } = site.fixture;
      await git(
        dev,
        '-c',
        'protocol.file.allow=always',
        'submodule',
        'add',
        '--quiet',
        join(scratch, 'lib.git'),
        'lib',
      );
      await git(dev, '-c', 'protocol.file.allow=always', 'submodule', 'update', '--quiet', '--init', '--recursive');
      await git(dev, 'commit', '--quiet', '--no-gpg-sign', '-m', 'add lib');
      const sha = await site.fixture.push();

      const deployed = await site.settled(await site.deliver(sha));
      expect(deployed).toMatchObject({ status: 'succeeded', headAfter: sha });
      const current = join(site.path, 'current');
      expect(await readFile(join(current, 'lib', 'lib.txt'), 'utf8')).toBe('lib\n');
      expect(await readFile(join(current, 'lib', 'inner', 'inner.txt'), 'utf8')).toBe('inner\n');
      // The clone's own index and submodules are untouched by the export.
      expect(await git(site.fixture.deploy, 'status', '--porcelain')).toBe('');

      // An export killed by a crash leaves the submodule's scratch index locked: the next one goes on.
      await writeFile(join(site.fixture.deploy, '.git', 'modules', 'lib', 'hookdeploy-release.index.lock'), '');
      const next = await site.deploy();
      expect(next).toMatchObject({ status: 'succeeded', error: null });
      expect(await readFile(join(current, 'lib', 'inner', 'inner.txt'), 'utf8')).toBe('inner\n');
    },
    WAIT_MS,
  );
});
