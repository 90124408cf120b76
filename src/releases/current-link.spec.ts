import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCurrent, removeStaleLinks, switchCurrent } from './current-link.js';
import { ReleaseLayout } from './release-layout.js';

describe('current', () => {
  let layout: ReleaseLayout;

  beforeEach(async () => {
    layout = new ReleaseLayout(await mkdtemp(join(tmpdir(), 'hookdeploy-current-')));
    for (const name of ['1-aaaaaaa', '2-bbbbbbb']) {
      await mkdir(layout.release(name), { recursive: true });
      await writeFile(join(layout.release(name), 'index.html'), name);
    }
  });
  afterEach(() => rm(layout.path, { recursive: true, force: true }));

  it('is null before the first switch, then the release it points at, through a relative link', async () => {
    expect(await readCurrent(layout)).toBeNull();
    await switchCurrent(layout, '1-aaaaaaa', 1);
    await switchCurrent(layout, '2-bbbbbbb', 2);
    expect(await readCurrent(layout)).toBe('2-bbbbbbb');
    expect(await readlink(layout.current)).toBe('releases/2-bbbbbbb');
    expect(await readFile(join(layout.current, 'index.html'), 'utf8')).toBe('2-bbbbbbb');
    // No temporary link stays behind.
    expect((await readdir(layout.path)).sort()).toEqual(['current', 'releases']);
  });

  it('refuses a current that is a directory or points elsewhere, rather than replacing it', async () => {
    await mkdir(layout.current);
    await expect(readCurrent(layout)).rejects.toThrow(/is not a symbolic link/);
    await rm(layout.current, { recursive: true });
    await symlink('/etc', layout.current);
    await expect(readCurrent(layout)).rejects.toThrow(/not at a release/);
  });

  it('removes the temporary links a killed switch left', async () => {
    await symlink('releases/1-aaaaaaa', join(layout.path, 'current.tmp-7'));
    expect(await removeStaleLinks(layout)).toEqual(['current.tmp-7']);
    expect(await readdir(layout.path)).toEqual(['releases']);
  });
});
