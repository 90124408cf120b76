import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HealthEndpoint, ReleaseService, WAIT_MS } from './release-service.js';

// Fails while $MARKS/fail-build exists.
const BUILD = 'if [ -e "$MARKS/fail-build" ]; then echo "broken build" >&2; exit 3; fi; echo built > built';
// Records which deployment activated which release; fails once when $MARKS/fail-activate exists.
const ACTIVATE =
  'echo "$DEPLOY_ID $(basename "$DEPLOY_RELEASE_DIR")" >> "$MARKS/activate"; ' +
  'if [ -e "$MARKS/fail-activate" ]; then rm "$MARKS/fail-activate"; exit 4; fi';

describe('release mode: pruning and a failed build', () => {
  let site: ReleaseService;

  beforeAll(async () => {
    site = await ReleaseService.start({ keep: 1, build: BUILD });
  }, 60_000);

  afterAll(() => site?.remove());

  it(
    'keeps `keep` successful releases plus the one before current, and removes a failed build',
    async () => {
      const deployed = [];
      for (let i = 0; i < 4; i += 1) deployed.push(await site.deploy());
      expect(deployed.map((d) => d.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
      const [, , previous, current] = deployed.map((d) => d.release!);
      // keep: 1 is the newest (current); the one before it stays too, whatever keep says.
      expect(await site.releases()).toEqual([previous, current]);
      expect(deployed[3]!.log).toMatch(/pruned releases/);

      await writeFile(join(site.marks, 'fail-build'), '');
      const failed = await site.deploy({ 'index.html': 'never served\n' });
      expect(failed).toMatchObject({ status: 'failed', error: 'the build command exited with code 3' });
      expect(failed.log).toContain('broken build');
      // current untouched, still serving the last good commit; the failed release is gone.
      expect(await site.current()).toBe(`releases/${current}`);
      expect(failed.headAfter).toBe(deployed[3]!.headAfter);
      expect(failed.release).toMatch(new RegExp(`^${failed.id}-`));
      expect(await site.releases()).toEqual([previous, current]);

      await rm(join(site.marks, 'fail-build'));
      const next = await site.deploy();
      expect(next.status).toBe('succeeded');
      expect(await site.releases()).toEqual([current, next.release]);
    },
    WAIT_MS * 3,
  );
});

describe('release mode: a failed activate or health check rolls back', () => {
  let site: ReleaseService;
  let health: HealthEndpoint;

  beforeAll(async () => {
    health = await HealthEndpoint.start();
    site = await ReleaseService.start({ activate: ACTIVATE, healthCheck: { url: health.url, timeout: 2 } });
  }, 60_000);

  afterAll(async () => {
    await site?.remove();
    await health?.close();
  });

  it(
    'a failing health check: current back to the previous release, activated again, failed "rolled back to …"',
    async () => {
      health.answer = 200;
      const good = await site.deploy();
      expect(good).toMatchObject({ status: 'succeeded' });
      health.answer = 503;
      const before = health.requests;
      const bad = await site.deploy();

      expect(bad).toMatchObject({
        status: 'failed',
        error: `rolled back to ${good.release}`,
        headAfter: good.headAfter,
      });
      expect(bad.log).toMatch(/the health check failed: no 2xx from http:\/\/127\.0\.0\.1:\d+\/health within 2s/);
      expect(health.requests - before).toBeGreaterThan(1);
      expect(await site.current()).toBe(`releases/${good.release}`);
      // activate: the good release, the bad one, then the good one again (by the failed deployment).
      expect((await site.marked('activate')).slice(-3)).toEqual([
        `${good.id} ${good.release}`,
        `${bad.id} ${bad.release}`,
        `${bad.id} ${good.release}`,
      ]);
      expect(await site.releases()).not.toContain(bad.release);
    },
    WAIT_MS * 2,
  );

  it(
    'a failing activate: the same, and the health check is not asked',
    async () => {
      health.answer = 200;
      const good = await site.deploy();
      expect(good.status).toBe('succeeded');
      await writeFile(join(site.marks, 'fail-activate'), '');
      const before = health.requests;
      const bad = await site.deploy();

      expect(bad).toMatchObject({ status: 'failed', error: `rolled back to ${good.release}` });
      expect(bad.log).toContain('the activate command exited with code 4');
      expect(health.requests).toBe(before);
      expect(await site.current()).toBe(`releases/${good.release}`);
      expect((await site.marked('activate')).slice(-2)).toEqual([
        `${bad.id} ${bad.release}`,
        `${bad.id} ${good.release}`,
      ]);
    },
    WAIT_MS * 2,
  );

  it(
    'a health check that never answers is bounded by its timeout',
    async () => {
      health.answer = 'hang';
      const started = Date.now();
      const bad = await site.deploy();
      expect(bad).toMatchObject({ status: 'failed', error: expect.stringMatching(/^rolled back to \d+-/) });
      // Answered within bounds: the 2 s check, not the 60 s deploy timeout.
      expect(Date.now() - started).toBeLessThan(20_000);
      health.answer = 200;
    },
    WAIT_MS * 2,
  );
});
