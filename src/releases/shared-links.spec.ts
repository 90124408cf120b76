import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReleaseLayout } from './release-layout.js';
import { linkShared } from './shared-links.js';

describe('linkShared', () => {
  let layout: ReleaseLayout;
  let release: string;

  beforeEach(async () => {
    layout = new ReleaseLayout(await mkdtemp(join(tmpdir(), 'hookdeploy-shared-')));
    release = layout.release('1-aaaaaaa');
    await mkdir(release, { recursive: true });
  });
  afterEach(() => rm(layout.path, { recursive: true, force: true }));

  it('links existing shared entries over the commit’s own, and makes missing ones once', async () => {
    await mkdir(layout.shared);
    await writeFile(join(layout.shared, '.env'), 'REAL=1\n');
    await writeFile(join(release, '.env'), 'COMMITTED=1\n');
    await mkdir(join(release, 'public', 'uploads'), { recursive: true });
    await writeFile(join(release, 'public', 'uploads', 'keep.txt'), 'seed');

    const done = await linkShared(layout, release, ['.env', 'storage', 'config/app.yml', 'public/uploads']);

    for (const name of ['.env', 'storage', 'config/app.yml', 'public/uploads']) {
      expect(await readlink(join(release, name))).toBe(join(layout.shared, name));
    }
    expect(await readFile(join(release, '.env'), 'utf8')).toBe('REAL=1\n');
    expect((await lstat(join(layout.shared, 'storage'))).isDirectory()).toBe(true);
    expect((await lstat(join(layout.shared, 'config', 'app.yml'))).isFile()).toBe(true);
    expect(await readFile(join(layout.shared, 'public', 'uploads', 'keep.txt'), 'utf8')).toBe('seed');
    expect(done).toContain("created shared public/uploads from the commit's copy");
  });

  it('refuses a shared entry that a symlink in the commit would lead out of the release', async () => {
    const outside = join(layout.path, 'outside');
    await mkdir(outside);
    await symlink(outside, join(release, 'config'));
    await expect(linkShared(layout, release, ['config/app.yml'])).rejects.toThrow(/outside the release/);
  });
});
