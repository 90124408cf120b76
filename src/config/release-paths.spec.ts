import { describe, expect, it } from '@jest/globals';
import type { ReleaseSettings } from '../domain/target.js';
import { releasePathProblems } from './release-paths.js';

const release = (path: string): ReleaseSettings => ({
  path,
  keep: 5,
  shared: [],
  build: undefined,
  activate: undefined,
  healthCheck: undefined,
});

const draft = (index: number, id: string, repoPath: string, releasesPath?: string) => ({
  index,
  id,
  repoPath,
  release: releasesPath === undefined ? undefined : release(releasesPath),
  place: (key: string) => `targets[${index}].${key}`,
});

describe('releasePathProblems', () => {
  it('accepts distinct paths, a clone inside its releases path included', async () => {
    expect(
      await releasePathProblems([
        draft(0, 'app', '/nonexistent/app/repo', '/nonexistent/app'),
        draft(1, 'api', '/nonexistent/api/repo', '/nonexistent/api'),
        draft(2, 'site', '/nonexistent/site'),
      ]),
    ).toEqual([]);
  });

  it("refuses a releases.path another target has, or that is a target's work tree", async () => {
    expect(
      await releasePathProblems([
        draft(0, 'app', '/nonexistent/app/repo', '/nonexistent/app'),
        draft(1, 'api', '/nonexistent/api/repo', '/nonexistent/app/'),
        draft(2, 'site', '/nonexistent/site'),
        draft(3, 'blog', '/nonexistent/blog/repo', '/nonexistent/site'),
      ]),
    ).toEqual([
      'targets[1].releases: the same releases.path as targets[0] (app)',
      'targets[3].releases: releases.path is the work tree of targets[2] (site); use its parent or another directory',
    ]);
  });
});
