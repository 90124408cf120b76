import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rename } from 'node:fs/promises';
import { ReleaseService, WAIT_MS } from './release-service.js';

const BUILD = 'echo "$DEPLOY_ID" >> "$MARKS/build"';
const ACTIVATE = 'echo "$DEPLOY_ID $(basename "$DEPLOY_RELEASE_DIR") $DEPLOY_SHA" >> "$MARKS/activate"';

describe('release mode: a rollback deployment', () => {
  let site: ReleaseService;

  beforeAll(async () => {
    site = await ReleaseService.start({ build: BUILD, activate: ACTIVATE });
  }, 60_000);

  afterAll(() => site?.remove());

  it(
    'switches current to the release of the deployment named and activates it: no fetch, no build',
    async () => {
      const old = await site.deploy({ 'index.html': 'old\n' });
      const live = await site.deploy({ 'index.html': 'new\n' });
      expect([old.status, live.status]).toEqual(['succeeded', 'succeeded']);
      const builds = await site.marked('build');

      const id = await site.queueRollback(old.id);
      // Origin gone: a rollback that fetched would fail.
      await rename(site.fixture.origin, `${site.fixture.origin}-unreachable`);
      await site.launch();
      const rollback = await site.settled(id);

      expect(rollback).toMatchObject({
        trigger: 'rollback',
        status: 'succeeded',
        release: old.release,
        headBefore: live.headAfter,
        headAfter: old.headAfter,
        error: null,
      });
      expect(rollback.log).not.toMatch(/git .*fetch/);
      expect(await site.current()).toBe(`releases/${old.release}`);
      expect(await site.marked('build')).toEqual(builds);
      expect((await site.marked('activate')).at(-1)).toBe(`${id} ${old.release} ${old.headAfter}`);
      // Both releases are still there: the one rolled back from is the one before current.
      expect(await site.releases()).toEqual([old.release, live.release]);
    },
    WAIT_MS * 2,
  );

  it(
    'fails, leaving current alone, when the deployment named has no release that succeeded',
    async () => {
      const before = await site.current();
      const id = await site.queueRollback(999_999);
      await site.launch();
      const rollback = await site.settled(id);
      expect(rollback).toMatchObject({
        status: 'failed',
        error: 'deployment 999999 has no release that succeeded to return to',
      });
      expect(await site.current()).toBe(before);
    },
    WAIT_MS,
  );
});
