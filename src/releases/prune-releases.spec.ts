import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeploymentStatus } from '../domain/deployment.js';
import { pruneReleases } from './prune-releases.js';
import { ReleaseLayout } from './release-layout.js';

describe('pruneReleases', () => {
  let layout: ReleaseLayout;

  beforeEach(async () => {
    layout = new ReleaseLayout(await mkdtemp(join(tmpdir(), 'hookdeploy-prune-')));
    await mkdir(layout.releases);
  });
  afterEach(() => rm(layout.path, { recursive: true, force: true }));

  const make = async (...names: string[]): Promise<void> => {
    for (const name of names) await mkdir(layout.release(name));
  };
  const left = async (): Promise<string[]> => (await readdir(layout.releases)).sort();
  const statuses =
    (known: Record<number, DeploymentStatus>) =>
    (ids: number[]): Map<number, DeploymentStatus> =>
      new Map(ids.filter((id) => id in known).map((id) => [id, known[id]!]));

  it('keeps the newest `keep` successful releases and removes failed and unfinished ones', async () => {
    await make('1-aaaaaaa', '2-bbbbbbb', '3-ccccccc', '4-ddddddd', '10-eeeeeee');
    const removed = await pruneReleases(layout, {
      keep: 2,
      protect: new Set(),
      statusOf: statuses({ 1: 'succeeded', 2: 'succeeded', 3: 'failed', 4: 'running', 10: 'succeeded' }),
    });
    // 10 sorts after 2 by number, not by text.
    expect(await left()).toEqual(['10-eeeeeee', '2-bbbbbbb']);
    expect(removed.sort()).toEqual(['1-aaaaaaa', '3-ccccccc', '4-ddddddd']);
  });

  it('never removes a protected release (current, the one before it), whatever its state or age', async () => {
    await make('1-aaaaaaa', '2-bbbbbbb', '3-ccccccc', '4-ddddddd');
    await pruneReleases(layout, {
      keep: 1,
      protect: new Set(['1-aaaaaaa', '3-ccccccc']),
      statusOf: statuses({ 1: 'succeeded', 2: 'succeeded', 3: 'failed', 4: 'succeeded' }),
    });
    expect(await left()).toEqual(['1-aaaaaaa', '3-ccccccc', '4-ddddddd']);
  });

  it('leaves what hookdeploy did not name alone; a release whose record was pruned counts as successful', async () => {
    await make('1-aaaaaaa', '2-bbbbbbb', 'manual-copy', '3-XYZ');
    await writeFile(join(layout.releases, '.2-bbbbbbb.index'), '');
    await pruneReleases(layout, { keep: 1, protect: new Set(), statusOf: statuses({ 2: 'succeeded' }) });
    expect(await left()).toEqual(['.2-bbbbbbb.index', '2-bbbbbbb', '3-XYZ', 'manual-copy']);
  });
});
