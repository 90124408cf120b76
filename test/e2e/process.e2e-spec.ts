import { afterEach, describe, expect, it } from '@jest/globals';
import { readFile, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
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

  /** Signed push deliveries to a running service, as GitHub sends them. */
  const sender =
    (port: number, path = '/github') =>
    async (sha: string, id?: string) => {
      const { headers, body } = signedDelivery(pushPayload({ after: sha }), { secret: SECRET, ...(id ? { id } : {}) });
      return fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers, body });
    };

  it('reads .env from its working directory into the environment; the environment wins', async () => {
    fixture = await GitFixture.create();
    await writeFile(
      join(fixture.root, '.env'),
      [
        '# comment',
        `GITHUB_SECRET=${SECRET}`,
        `REPO_PATH=${fixture.deploy}`,
        'HOST=127.0.0.1',
        'WEBHOOK_PATH=/from-file',
        'PORT=1',
        'FROM_DOTENV=seen by the deploy command',
        'DEPLOY_COMMAND=echo "$FROM_DOTENV" > ../dotenv.txt',
      ].join('\n'),
    );
    service = ServiceProcess.start({ PORT: '0' }, fixture.root);
    const match = await service.waitForLine(/listening on http:\/\/127\.0\.0\.1:(\d+)(\/\S+)/);
    expect(Number(match[1])).toBeGreaterThan(1);
    expect(match[2]).toBe('/from-file');

    const send = sender(Number(match[1]), '/from-file');
    const sha = await fixture.commitAndPush();
    expect((await send(sha)).status).toBe(202);
    await service.waitForLine(/succeeded\. Repository updated with commit/);
    expect(await readFile(join(fixture.root, 'dotenv.txt'), 'utf8')).toBe('seen by the deploy command\n');
    expect(service.text()).not.toContain(SECRET);
  });

  it('without git on PATH, says so in one line and exits 1', async () => {
    fixture = await GitFixture.create();
    service = ServiceProcess.start({ ...baseEnv(), PATH: '/nonexistent' }, fixture.root);
    expect(await service.exitCode()).toBe(1);
    expect(service.output).toEqual([
      'hookdeploy: invalid configuration: git was not found on PATH; install git (apt-get install git)',
    ]);
  });

  it('SIGTERM during a deploy: refuses new deliveries, finishes the deploy, keeps the waiting one for the next start, exits 0', async () => {
    fixture = await GitFixture.create();
    const release = join(fixture.root, 'release');
    service = ServiceProcess.start(
      { ...baseEnv(), DEPLOY_COMMAND: `while [ ! -e "${release}" ]; do sleep 0.05; done` },
      fixture.root,
    );
    const send = sender(await service.port());

    const sha = await fixture.commitAndPush();
    expect((await send(sha)).status).toBe(202);
    await service.waitForLine(/running the deploy command/);
    const waiting = await send(await fixture.commitAndPush(), 'left-waiting');
    expect(await waiting.json()).toMatchObject({ status: 'queued', deploymentId: 2 });

    service.child.kill('SIGTERM');
    await service.waitForLine(/SIGTERM received: accepting no more deliveries/);
    // The server still answers while it drains, so GitHub records a failure it can redeliver.
    const late = await send(await fixture.commitAndPush());
    expect(late.status).toBe(503);
    expect(await late.json()).toEqual({ error: expect.stringContaining('shutting down') });
    expect(service.child.exitCode).toBeNull();

    await writeFile(release, '');
    expect(await service.exitCode()).toBe(0);
    expect(service.text()).toMatch(/deployment 1 .*: succeeded\. Repository updated with commit/);
    expect(service.text()).toMatch(
      /deployment 2 \(deliveries left-waiting\) stays queued: it runs when hookdeploy starts again/,
    );
    expect(await fixture.deployHead()).toBe(sha);

    // The delivery answered 202 before the stop is deployed by the next process.
    service = ServiceProcess.start({ ...baseEnv(), DEPLOY_COMMAND: 'true' }, fixture.root);
    await service.waitForLine(/deployment 2 \(deliveries left-waiting\): succeeded/);
    expect(await fixture.deployHead()).toBe(await fixture.originHead());
    service.child.kill('SIGTERM');
    expect(await service.exitCode()).toBe(0);
  }, 30_000);

  it('SIGTERM does not wait for a client that never finishes its request', async () => {
    fixture = await GitFixture.create();
    service = ServiceProcess.start(baseEnv(), fixture.root);
    const port = await service.port();
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((done) => socket.once('connect', done));
    socket.write(
      'POST /github HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"ze',
    );
    socket.on('error', () => undefined);
    try {
      const started = Date.now();
      service.child.kill('SIGTERM');
      expect(await service.exitCode(10_000)).toBe(0);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      socket.destroy();
    }
  });

  it('SIGINT with nothing running exits 0 at once', async () => {
    fixture = await GitFixture.create();
    service = ServiceProcess.start(baseEnv(), fixture.root);
    await service.port();
    service.child.kill('SIGINT');
    expect(await service.exitCode(5000)).toBe(0);
  });
});
