import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { lstat, readFile, readlink, realpath, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ReleaseService, WAIT_MS } from './release-service.js';

// build records where it ran and what it was told; activate where it ran (through current).
const BUILD = 'echo "$DEPLOY_ID $(pwd -P) $DEPLOY_RELEASE_DIR $DEPLOY_SHA" >> "$MARKS/build" && cat .env > seen-env';
const ACTIVATE = 'echo "$DEPLOY_ID $(pwd) $(pwd -P) $DEPLOY_RELEASE_DIR" >> "$MARKS/activate"';

describe('release mode: the layout on disk', () => {
  let site: ReleaseService;

  beforeAll(async () => {
    site = await ReleaseService.start({ shared: ['.env', 'storage', 'seeded'], build: BUILD, activate: ACTIVATE });
    // An operator's shared .env, made before the first deploy.
    await mkdir(join(site.path, 'shared'), { recursive: true });
    await writeFile(join(site.path, 'shared', '.env'), 'SECRET_SETTING=1\n');
  }, 60_000);

  afterAll(() => site?.remove());

  it(
    'builds each deploy in releases/<id>-<sha7>, links the shared entries, and switches current',
    async () => {
      const first = await site.deploy({
        'index.html': 'one\n',
        '.env': 'committed, must not win\n',
        'seeded/a.txt': 'seed\n',
      });
      expect(first).toMatchObject({ status: 'succeeded', error: null });
      const second = await site.deploy({ 'index.html': 'two\n' });
      expect(second).toMatchObject({ status: 'succeeded', release: `${second.id}-${second.headAfter!.slice(0, 7)}` });
      expect(first.release).toBe(`${first.id}-${first.headAfter!.slice(0, 7)}`);
      // The clone moved as in place; each release holds its commit's tree.
      expect(await site.fixture.deployHead()).toBe(second.headAfter);
      expect(second.headBefore).toBe(first.headAfter);

      expect(await site.releases()).toEqual([first.release, second.release]);
      expect(await readlink(join(site.path, 'current'))).toBe(`releases/${second.release}`);
      expect(await readFile(join(site.path, 'current', 'index.html'), 'utf8')).toBe('two\n');
      expect(await readFile(join(site.path, 'releases', first.release!, 'index.html'), 'utf8')).toBe('one\n');
      // Not a git work tree: just the files.
      await expect(lstat(join(site.path, 'releases', second.release!, '.git'))).rejects.toThrow();

      // Shared: links into <path>/shared, replacing the committed .env; storage made empty; seeded from the commit.
      for (const release of [first.release!, second.release!]) {
        for (const name of ['.env', 'storage', 'seeded']) {
          expect(await readlink(join(site.path, 'releases', release, name))).toBe(join(site.path, 'shared', name));
        }
      }
      expect(await readFile(join(site.path, 'current', 'seen-env'), 'utf8')).toBe('SECRET_SETTING=1\n');
      expect((await lstat(join(site.path, 'shared', 'storage'))).isDirectory()).toBe(true);
      expect(await readFile(join(site.path, 'shared', 'seeded', 'a.txt'), 'utf8')).toBe('seed\n');

      // build ran inside the new release, activate in current (which was that release by then).
      const releaseDir = (d: typeof first) => join(site.path, 'releases', d.release!);
      expect(await site.marked('build')).toEqual([
        `${first.id} ${await realpath(releaseDir(first))} ${releaseDir(first)} ${first.headAfter}`,
        `${second.id} ${await realpath(releaseDir(second))} ${releaseDir(second)} ${second.headAfter}`,
      ]);
      expect(await site.marked('activate')).toEqual([
        `${first.id} ${join(site.path, 'current')} ${await realpath(releaseDir(first))} ${releaseDir(first)}`,
        `${second.id} ${join(site.path, 'current')} ${await realpath(releaseDir(second))} ${releaseDir(second)}`,
      ]);
      expect(second.log).toMatch(/hookdeploy: current -> releases\//);
    },
    WAIT_MS * 2,
  );

  it('GET /targets shows the mode and the release current points at', async () => {
    const { body } = await site.api<Array<Record<string, unknown>>>('/targets');
    const [newest] = (await site.api<Array<{ release: string | null }>>('/deployments?limit=1')).body;
    expect(body).toEqual([expect.objectContaining({ id: 'site', mode: 'release', current: newest!.release })]);
    expect(newest!.release).toMatch(/^\d+-[0-9a-f]{7}$/);
  });
});
