import { MIGRATIONS } from '../../src/storage/migrations.js';
import { afterEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pushPayload, signedDelivery } from '../fixtures/deliveries.js';
import { GitFixture } from '../fixtures/git-fixture.js';
import { ServiceProcess } from '../fixtures/service-process.js';
import { waitFor } from '../fixtures/wait.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/databases');
const SECRET = 'v2-fixture-secret';
const ADMIN_TOKEN = 'v2-fixture-admin-token-0123';
const TEST_TIMEOUT = 60_000;

interface Recorded {
  deployments: Record<string, unknown>[];
  deliveries: Record<string, unknown>[];
}

/**
 * A database written by the single-target release (schema 2, see
 * test/fixtures/databases/README.md), opened by this one: the migration runs in place at
 * boot, and the history it holds is still there, as the target `default`'s.
 */
describe('a database written by the single-target release (schema 2)', () => {
  let fixture: GitFixture | undefined;
  let service: ServiceProcess | undefined;

  afterEach(async () => {
    service?.stop();
    service = undefined;
    await fixture?.remove();
    fixture = undefined;
  });

  it(
    'is migrated in place at boot: every deployment, delivery and log kept as target default, dedup still holds, and the API shows the same history',
    async () => {
      const recorded = JSON.parse(await readFile(join(FIXTURES, 'v2-single-target.api.json'), 'utf8')) as Recorded;
      fixture = await GitFixture.create();
      const dataDir = join(fixture.root, 'data');
      const file = join(dataDir, 'hookdeploy.db');
      await mkdir(dataDir);
      await copyFile(join(FIXTURES, 'v2-single-target.db'), file);

      service = ServiceProcess.start(
        {
          GITHUB_SECRET: SECRET,
          ADMIN_TOKEN,
          REPO_PATH: fixture.deploy,
          PORT: '0',
          HOST: '127.0.0.1',
          DATA_DIR: dataDir,
        },
        fixture.root,
      );
      const base = `http://127.0.0.1:${await service.port()}`;
      const api = async (path: string): Promise<{ status: number; body: unknown }> => {
        const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
        return { status: res.status, body: await res.json() };
      };
      const deliver = async (id: string, after: string): Promise<unknown> => {
        const { headers, body } = signedDelivery(pushPayload({ after }), { secret: SECRET, id });
        return (await fetch(`${base}/github`, { method: 'POST', headers, body })).json();
      };

      // The same history as the old release answered, each record now with its target.
      const asDefault = (records: Record<string, unknown>[]): Record<string, unknown>[] =>
        records.map((r) => ({ ...r, target: 'default' }));
      // And the fields later versions added, empty for what an older release recorded.
      const deployments = asDefault(recorded.deployments).map((d): Record<string, unknown> => ({
        ...d,
        release: null,
        report: null,
      }));
      const deliveries = asDefault(recorded.deliveries);
      expect(deployments.map((d) => d.status)).toEqual(['succeeded', 'succeeded', 'failed', 'succeeded']);
      expect(new Set(deliveries.map((d) => d.outcome))).toEqual(
        new Set(['queued', 'duplicate', 'ignored', 'pong', 'rejected']),
      );
      expect(await api('/deployments?limit=500')).toEqual({ status: 200, body: deployments });
      expect(await api('/deployments?target=default&limit=500')).toEqual({ status: 200, body: deployments });
      expect(await api('/deliveries?limit=500')).toEqual({ status: 200, body: deliveries });
      expect(await api('/deliveries?target=default&limit=500')).toEqual({ status: 200, body: deliveries });
      for (const deployment of deployments) {
        expect(await api(`/deployments/${String(deployment.id)}`)).toEqual({ status: 200, body: deployment });
      }
      expect(await api('/deployments?target=site')).toEqual({ status: 200, body: [] });

      // Deduplication still refuses what the old release accepted: no new row either.
      expect(await deliver('v2-fixture-accepted-1', await fixture.commitAndPush())).toEqual({
        status: 'duplicate',
        deploymentId: 1,
      });
      expect(await api('/deliveries?limit=500')).toEqual({ status: 200, body: deliveries });

      // And the history goes on: ids continue after the old ones.
      expect(await deliver('after-the-upgrade', await fixture.originHead())).toMatchObject({
        status: 'queued',
        deploymentId: 5,
      });
      await waitFor(
        'deployment 5 succeeded',
        async () => ((await api('/deployments/5')).body as { status: string }).status === 'succeeded',
        30_000,
      );
      expect(((await api('/deployments/5')).body as { target: string }).target).toBe('default');

      // On disk: migrated in place to the newest schema, every row the target default's.
      const db = new Database(file, { readonly: true, fileMustExist: true });
      try {
        expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
        const count = (sql: string): unknown => db.prepare(sql).pluck().get();
        expect(count("SELECT count(*) FROM deployments WHERE target = 'default'")).toBe(5);
        expect(count("SELECT count(*) FROM deliveries WHERE target = 'default'")).toBe(9);
        expect(count('SELECT count(*) FROM deliveries')).toBe(9);
        expect(count('SELECT count(*) FROM deployment_logs')).toBe(5);
      } finally {
        db.close();
      }
    },
    TEST_TIMEOUT,
  );
});
