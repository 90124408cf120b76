import { afterEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Deployment } from '../../src/domain/deployment.js';
import { pushPayload, signedDelivery } from '../fixtures/deliveries.js';
import { GitFixture } from '../fixtures/git-fixture.js';
import { ServiceProcess } from '../fixtures/service-process.js';
import { waitFor } from '../fixtures/wait.js';

const SECRET = 'storage-boot-secret-value';
const ADMIN_TOKEN = 'storage-boot-admin-token-0123';
const TEST_TIMEOUT = 60_000;

describe('the database at boot', () => {
  let fixture: GitFixture | undefined;
  let service: ServiceProcess | undefined;

  afterEach(async () => {
    service?.stop();
    service = undefined;
    await fixture?.remove();
    fixture = undefined;
  });

  const start = (dataDir: string, env: Record<string, string> = {}): ServiceProcess =>
    ServiceProcess.start(
      {
        GITHUB_SECRET: SECRET,
        ADMIN_TOKEN,
        REPO_PATH: fixture!.deploy,
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        ...env,
      },
      fixture!.root,
    );

  /** Exit code 1 and one line for the operator: the path, no stack trace, no secret. */
  async function expectRefused(dataDir: string, path: string): Promise<string> {
    service = start(dataDir);
    expect(await service.exitCode()).toBe(1);
    expect(service.output).toHaveLength(1);
    const [line] = service.output;
    expect(line).toMatch(/^hookdeploy: /);
    expect(line).toContain(path);
    expect(line).not.toMatch(/^\s+at /m);
    expect(line).not.toContain(SECRET);
    expect(line).not.toContain(ADMIN_TOKEN);
    return line!;
  }

  describe('refuses a database it cannot use: exit code 1 and one line', () => {
    it(
      'hookdeploy.db holding garbage bytes (a relative DATA_DIR is named by its absolute path); the file is left as it was',
      async () => {
        fixture = await GitFixture.create();
        const file = join(fixture.root, 'state', 'hookdeploy.db');
        const garbage = Buffer.concat([Buffer.from('not a database\n'.repeat(300)), randomBytes(8192)]);
        await mkdir(join(fixture.root, 'state'));
        await writeFile(file, garbage);
        const line = await expectRefused('state', file);
        expect(line).toBe(`hookdeploy: cannot use the database ${file}: file is not a database`);
        expect((await readFile(file)).equals(garbage)).toBe(true);
      },
      TEST_TIMEOUT,
    );

    it(
      'DATA_DIR pointing to a regular file',
      async () => {
        fixture = await GitFixture.create();
        const dataDir = join(fixture.root, 'data-is-a-file');
        await writeFile(dataDir, 'an operator file\n');
        const line = await expectRefused(dataDir, dataDir);
        expect(line).toMatch(/^hookdeploy: cannot create DATA_DIR /);
        expect(await readFile(dataDir, 'utf8')).toBe('an operator file\n');
      },
      TEST_TIMEOUT,
    );

    it(
      'hookdeploy.db being a directory',
      async () => {
        fixture = await GitFixture.create();
        const dataDir = join(fixture.root, 'data');
        const file = join(dataDir, 'hookdeploy.db');
        await mkdir(file, { recursive: true });
        const line = await expectRefused(dataDir, file);
        expect(line).toMatch(/^hookdeploy: cannot use the database /);
      },
      TEST_TIMEOUT,
    );
  });

  it(
    'a missing DATA_DIR is created, parents included, and the service starts',
    async () => {
      fixture = await GitFixture.create();
      const dataDir = join(fixture.root, 'var', 'lib', 'hookdeploy');
      expect(existsSync(join(fixture.root, 'var'))).toBe(false);
      service = start(dataDir);
      const port = await service.port();
      expect(statSync(join(dataDir, 'hookdeploy.db')).isFile()).toBe(true);
      const res = await fetch(`http://127.0.0.1:${port}/deployments`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  it(
    'HISTORY_LIMIT=2: after 4 deployments the newest 2 are kept',
    async () => {
      fixture = await GitFixture.create();
      service = start(join(fixture.root, 'data'), { HISTORY_LIMIT: '2', DEPLOY_COMMAND: 'echo "deployed $DEPLOY_ID"' });
      const port = await service.port();
      const api = async <T>(path: string): Promise<{ status: number; body: T }> => {
        const res = await fetch(`http://127.0.0.1:${port}${path}`, {
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        });
        return { status: res.status, body: (await res.json()) as T };
      };

      for (let i = 1; i <= 4; i += 1) {
        const sha = await fixture.commitAndPush();
        const { headers, body } = signedDelivery(pushPayload({ after: sha }), { secret: SECRET, id: `keep-${i}` });
        const res = await fetch(`http://127.0.0.1:${port}/github`, { method: 'POST', headers, body });
        expect(await res.json()).toMatchObject({ status: 'queued', deploymentId: i });
        await waitFor(
          `deployment ${i} succeeded`,
          async () => (await api<Deployment>(`/deployments/${i}`)).body.status === 'succeeded',
          30_000,
        );
      }

      // Pruning runs after each deployment, off the request path: wait for it.
      let list: Deployment[] = [];
      await waitFor(
        'only the newest 2 are listed',
        async () => (list = (await api<Deployment[]>('/deployments')).body).length === 2,
        30_000,
      );
      expect(list.map((d) => [d.id, d.status, d.deliveries])).toEqual([
        [4, 'succeeded', ['keep-4']],
        [3, 'succeeded', ['keep-3']],
      ]);
      expect(list[0]!.log).toContain('deployed 4');
      expect((await api(`/deployments/1`)).status).toBe(404);
      expect((await api(`/deployments/2`)).status).toBe(404);
    },
    TEST_TIMEOUT,
  );
});
