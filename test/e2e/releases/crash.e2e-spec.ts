import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { access, cp, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Deployment } from '../../../src/domain/deployment.js';
import { waitFor } from '../../fixtures/wait.js';
import { HealthEndpoint, ReleaseService, WAIT_MS } from './release-service.js';

// Each commit carries a file `gate` naming its gates: build and activate wait while
// $MARKS/hold-build-<gate> / hold-activate-<gate> exist. An earlier release's activate
// (run again by a recovery) reads its own, older gate, and is never held.
const BUILD = 'echo "$DEPLOY_ID" >> "$MARKS/build"; while [ -e "$MARKS/hold-build-$(cat gate)" ]; do sleep 0.05; done';
const ACTIVATE =
  'echo "$DEPLOY_ID $(basename "$DEPLOY_RELEASE_DIR")" >> "$MARKS/activate"; ' +
  'while [ -e "$MARKS/hold-activate-$(cat gate)" ]; do sleep 0.05; done';

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

describe('release mode: SIGKILL at each step', () => {
  let site: ReleaseService;
  let health: HealthEndpoint;
  let live: Deployment;

  const hold = (step: 'build' | 'activate', gate: string): Promise<void> =>
    writeFile(join(site.marks, `hold-${step}-${gate}`), '');
  const release = (gate: string): Promise<void[]> =>
    Promise.all(['build', 'activate'].map((step) => rm(join(site.marks, `hold-${step}-${gate}`), { force: true })));
  const deployment = async (id: number): Promise<Deployment> => (await site.api<Deployment>(`/deployments/${id}`)).body;
  const newest = async (): Promise<Deployment> => (await site.api<Deployment[]>('/deployments?limit=1')).body[0]!;

  /** SIGKILL, then a restart with the recovery deployment's build held, so the settled state can be seen. */
  async function killAndRestart(gate: string): Promise<void> {
    await site.kill();
    await hold('build', gate);
    await site.launch();
  }

  /** Lets the recovery deployment of `interrupted` run through, and returns it. */
  async function finishRecovery(interrupted: Deployment, gate: string): Promise<Deployment> {
    const recovery = await newest();
    expect(recovery).toMatchObject({ trigger: 'recovery', requestedSha: interrupted.requestedSha });
    await release(gate);
    const done = await site.settled(recovery.id);
    expect(done.status).toBe('succeeded');
    expect(await site.current()).toBe(`releases/${done.release}`);
    return done;
  }

  beforeAll(async () => {
    health = await HealthEndpoint.start();
    site = await ReleaseService.start({
      build: BUILD,
      activate: ACTIVATE,
      healthCheck: { url: health.url, timeout: 60 },
    });
    live = await site.deploy({ gate: 'first' });
    expect(live.status).toBe('succeeded');
  }, 60_000);

  afterAll(async () => {
    await site?.remove();
    await health?.close();
  });

  it(
    'during build: current untouched, the half-built release removed, the build ended',
    async () => {
      await hold('build', 'b');
      const { id } = await site.push({ gate: 'b' });
      await waitFor('the build runs', async () => (await site.marked('build')).includes(String(id)), WAIT_MS);
      const { release: unfinished } = await deployment(id);
      expect(await exists(join(site.path, 'releases', unfinished!))).toBe(true);

      await killAndRestart('b');
      const interrupted = await deployment(id);
      expect(interrupted).toMatchObject({ status: 'failed', error: 'interrupted' });
      expect(interrupted.log).toContain(
        'hookdeploy: interrupted: hookdeploy stopped while the release build was running',
      );
      expect(interrupted.log).toMatch(/hookdeploy: killed process group \d+, which was still running/);
      expect(interrupted.log).toContain(`removed the unfinished release ${unfinished}`);
      expect(await exists(join(site.path, 'releases', unfinished!))).toBe(false);
      expect(await site.current()).toBe(`releases/${live.release}`);

      live = await finishRecovery(interrupted, 'b');
    },
    WAIT_MS * 3,
  );

  it(
    'during activate: current back to the previous release, which is activated again',
    async () => {
      const previous = live;
      await hold('activate', 'a');
      const { id } = await site.push({ gate: 'a' });
      await waitFor(
        'activate runs',
        async () => (await site.marked('activate')).some((l) => l.startsWith(`${id} `)),
        WAIT_MS,
      );
      const { release: switched } = await deployment(id);
      expect(await site.current()).toBe(`releases/${switched}`);

      await killAndRestart('a');
      const interrupted = await deployment(id);
      expect(interrupted).toMatchObject({ status: 'failed', error: 'interrupted' });
      expect(interrupted.log).toContain('while the activate command was running');
      expect(interrupted.log).toMatch(/killed process group \d+/);
      expect(interrupted.log).toContain(`switched current back to ${previous.release}`);
      expect(interrupted.log).toContain(`ran activate again in ${previous.release}`);
      expect(await site.current()).toBe(`releases/${previous.release}`);
      expect((await site.marked('activate')).slice(-2)).toEqual([`${id} ${switched}`, `${id} ${previous.release}`]);

      live = await finishRecovery(interrupted, 'a');
    },
    WAIT_MS * 3,
  );

  it(
    'during the health check: the same',
    async () => {
      const previous = live;
      health.answer = 'hang';
      const asked = health.requests;
      const { id } = await site.push({ gate: 'h' });
      await waitFor('the health check is asked', () => health.requests > asked, WAIT_MS);

      await killAndRestart('h');
      const interrupted = await deployment(id);
      expect(interrupted).toMatchObject({ status: 'failed', error: 'interrupted' });
      expect(interrupted.log).toContain('while the health check was running');
      expect(interrupted.log).toContain(`switched current back to ${previous.release}`);
      expect(await site.current()).toBe(`releases/${previous.release}`);
      expect((await site.marked('activate')).at(-1)).toBe(`${id} ${previous.release}`);

      health.answer = 200;
      live = await finishRecovery(interrupted, 'h');
    },
    WAIT_MS * 3,
  );

  it(
    'right after the switch (a state a SIGKILL there leaves, written by hand: the rename is too quick to hit)',
    async () => {
      const previous = live;
      await site.stop();
      // A deployment that had switched current to its new release and died before activate.
      const db = new Database(join(site.fixture.root, 'data', 'hookdeploy.db'));
      const now = new Date().toISOString();
      const id = Number(
        db
          .prepare(
            `INSERT INTO deployments (target, status, trigger, ref, queued_at, started_at, phase, release, previous_release)
           VALUES ('site', 'running', 'manual', 'refs/heads/main', ?, ?, 'switch', 'pending', ?)`,
          )
          .run(now, now, previous.release).lastInsertRowid,
      );
      const switched = `${id}-${previous.headAfter!.slice(0, 7)}`;
      db.prepare('UPDATE deployments SET release = ? WHERE id = ?').run(switched, id);
      db.close();
      await cp(join(site.path, 'releases', previous.release!), join(site.path, 'releases', switched), {
        recursive: true,
        verbatimSymlinks: true,
      });
      await rm(join(site.path, 'current'));
      await symlink(`releases/${switched}`, join(site.path, 'current'));
      await symlink(`releases/${switched}`, join(site.path, `current.tmp-${id}`));
      // The recovery deployment (the branch tip, gate h) waits in its build.
      await hold('build', 'h');
      await site.launch();

      const interrupted = await deployment(id);
      expect(interrupted).toMatchObject({ status: 'failed', error: 'interrupted' });
      expect(interrupted.log).toContain('while the switch of current was running');
      expect(interrupted.log).toContain(`removed the unfinished link current.tmp-${id}`);
      expect(interrupted.log).toContain(`switched current back to ${previous.release}`);
      expect(await site.current()).toBe(`releases/${previous.release}`);
      expect(await exists(join(site.path, `current.tmp-${id}`))).toBe(false);
      expect((await site.marked('activate')).at(-1)).toBe(`${id} ${previous.release}`);

      await release('h');
      const recovery = await site.settled((await newest()).id);
      expect(recovery).toMatchObject({ trigger: 'recovery', status: 'succeeded' });
    },
    WAIT_MS * 3,
  );
});
