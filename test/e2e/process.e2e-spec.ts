import { afterEach, describe, expect, it } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pushPayload, signedDelivery } from '../fixtures/deliveries.js';
import { GitFixture } from '../fixtures/git-fixture.js';
import { ServiceProcess } from '../fixtures/service-process.js';

const SECRET = 'process-test-secret-value';

describe('the service process', () => {
  let fixture: GitFixture;
  let service: ServiceProcess | undefined;

  afterEach(async () => {
    service?.stop();
    service = undefined;
    await fixture?.remove();
  });

  const baseEnv = (): Record<string, string> => ({
    GITHUB_SECRET: SECRET,
    REPO_PATH: fixture.deploy,
    PORT: '0',
    HOST: '127.0.0.1',
  });

  describe('invalid configuration stops the boot with one line and exit code 1', () => {
    it.each([
      ['no variables at all', {}, ['GITHUB_SECRET', 'REPO_PATH']],
      ['a bad port and strategy', { PORT: '70000', PULL_STRATEGY: 'merge' }, ['PORT', 'PULL_STRATEGY']],
      ['a REPO_PATH that is not a work tree', { REPO_PATH: '/' }, ['REPO_PATH']],
      ['a DEPLOY_BRANCH that is not checked out', { DEPLOY_BRANCH: 'release' }, ['DEPLOY_BRANCH']],
    ])('%s', async (_name, env: Record<string, string>, named) => {
      fixture = await GitFixture.create();
      const overrides = Object.keys(env).length === 0 ? {} : { ...baseEnv(), ...env };
      service = ServiceProcess.start(overrides, fixture.root);
      expect(await service.exitCode()).toBe(1);
      expect(service.output).toHaveLength(1);
      const [line] = service.output;
      expect(line).toMatch(/^hookdeploy: invalid configuration: /);
      for (const name of named) expect(line).toContain(name);
      expect(line).not.toContain(SECRET);
      expect(line).not.toMatch(/\bat .*\(.*:\d+:\d+\)/);
    });

    it('a port already in use', async () => {
      fixture = await GitFixture.create();
      const blocker = createServer();
      await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
      const { port } = blocker.address() as AddressInfo;
      try {
        service = ServiceProcess.start({ ...baseEnv(), PORT: String(port) }, fixture.root);
        expect(await service.exitCode()).toBe(1);
        expect(service.output.at(-1)).toMatch(
          new RegExp(`^hookdeploy: cannot listen on 127.0.0.1:${port}: EADDRINUSE$`),
        );
      } finally {
        blocker.close();
      }
    });
  });

  it('reads .env from its working directory; the environment wins', async () => {
    fixture = await GitFixture.create();
    await writeFile(
      join(fixture.root, '.env'),
      `# comment\nGITHUB_SECRET=${SECRET}\nREPO_PATH=${fixture.deploy}\nHOST=127.0.0.1\nWEBHOOK_PATH=/from-file\nPORT=1\n`,
    );
    service = ServiceProcess.start({ PORT: '0' }, fixture.root);
    const match = await service.waitForLine(/listening on http:\/\/127\.0\.0\.1:(\d+)(\/\S+)/);
    expect(Number(match[1])).toBeGreaterThan(1);
    expect(match[2]).toBe('/from-file');
    expect(service.text()).not.toContain(SECRET);
  });

  it('SIGTERM during a deploy: refuses new deliveries, finishes the deploy, exits 0', async () => {
    fixture = await GitFixture.create();
    const release = join(fixture.root, 'release');
    service = ServiceProcess.start(
      {
        ...baseEnv(),
        DEPLOY_COMMAND: `while [ ! -e "${release}" ]; do sleep 0.05; done; echo finished > ../finished.txt`,
      },
      fixture.root,
    );
    const url = `http://127.0.0.1:${await service.port()}/github`;
    const send = async (sha: string) => {
      const { headers, body } = signedDelivery(pushPayload({ after: sha }), { secret: SECRET });
      return fetch(url, { method: 'POST', headers, body });
    };

    const sha = await fixture.commitAndPush();
    expect((await send(sha)).status).toBe(202);
    await service.waitForLine(/Repository updated with commit/);

    service.child.kill('SIGTERM');
    await service.waitForLine(/SIGTERM received: accepting no more deliveries/);
    // The server still answers while it drains, so GitHub records a failure it can redeliver.
    const late = await send(await fixture.commitAndPush());
    expect(late.status).toBe(503);
    expect(await late.json()).toEqual({ error: expect.stringContaining('shutting down') });
    expect(service.child.exitCode).toBeNull();

    await writeFile(release, '');
    expect(await service.exitCode()).toBe(0);
    expect(service.text()).toMatch(/deployment 1 .*: succeeded/);
    expect(await fixture.deployHead()).toBe(sha);
  });

  it('SIGINT with nothing running exits 0 at once', async () => {
    fixture = await GitFixture.create();
    service = ServiceProcess.start(baseEnv(), fixture.root);
    await service.port();
    service.child.kill('SIGINT');
    expect(await service.exitCode(5000)).toBe(0);
  });
});
