import { afterEach, expect, it } from '@jest/globals';
import { readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { HealthEndpoint } from '../e2e/releases/release-service.js';
import { describeWithRedis } from '../fixtures/describe-with-redis.js';
import { Fleet, type Agent } from '../fixtures/fleet.js';
import { RedisServer } from '../fixtures/redis-server.js';

const WAIT_MS = 60_000;
const HOSTS = ['web-1', 'web-2'];

/** Where an agent's releases live: `<fleet root>/app-<host>`. */
function releasesPath(fleet: Fleet, host: string): string {
  return join(fleet.root, `app-${host}`);
}

/** The lines a command of `host` appended to `<fleet root>/<name>-<host>`. */
async function marked(fleet: Fleet, name: string, host: string): Promise<string[]> {
  const text = await readFile(join(fleet.root, `${name}-${host}`), 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean);
}

/**
 * An agent whose own file has the target in release mode: the build leaves `built` in the
 * release, the activate appends "<sha> <release>" to `<root>/activate-<host>`, and the
 * health check asks `health`.
 */
function addReleaseAgent(fleet: Fleet, host: string, health: HealthEndpoint): Promise<Agent> {
  const activated = join(fleet.root, `activate-${host}`);
  return fleet.addAgent(host, {
    targetLines: [
      '    mode: release',
      '    releases:',
      `      path: ${JSON.stringify(releasesPath(fleet, host))}`,
      `    build: ${JSON.stringify(`echo "built $DEPLOY_SHA" > built`)}`,
      `    activate: ${JSON.stringify(`echo "$DEPLOY_SHA $(basename "$DEPLOY_RELEASE_DIR")" >> ${activated}`)}`,
      '    healthCheck:',
      `      url: ${health.url}`,
      '      timeout: 2',
    ],
  });
}

describeWithRedis('a fleet whose agents deploy in release mode', () => {
  let redis: RedisServer | undefined;
  let fleet: Fleet | undefined;
  const health = new Map<string, HealthEndpoint>();

  async function setUp(): Promise<Fleet> {
    redis = await RedisServer.start();
    fleet = await Fleet.create(redis);
    await fleet.startHub({ hosts: HOSTS });
    for (const host of HOSTS) {
      const endpoint = await HealthEndpoint.start();
      health.set(host, endpoint);
      await addReleaseAgent(fleet, host, endpoint);
    }
    return fleet;
  }

  afterEach(async () => {
    await fleet?.remove();
    await redis?.remove();
    for (const endpoint of health.values()) await endpoint.close();
    health.clear();
    fleet = undefined;
    redis = undefined;
  }, 30_000);

  it('one push: every host builds a release of the commit, switches current to it and activates it', async () => {
    const fleet = await setUp();

    const { sha, status, deploymentId } = await fleet.push();
    expect(status).toBe(202);
    const deployment = await fleet.settled(deploymentId, WAIT_MS);

    expect(deployment.status).toBe('succeeded');
    expect(deployment.hosts.map((host) => [host.host, host.status, host.headAfter])).toEqual(
      HOSTS.map((host) => [host, 'succeeded', sha]),
    );
    for (const host of HOSTS) {
      const path = releasesPath(fleet, host);
      const current = await readlink(join(path, 'current'));
      expect(current).toMatch(new RegExp(`^releases/\\d+-${sha.slice(0, 7)}$`));
      const release = current.slice('releases/'.length);
      expect(await readFile(join(path, 'current', 'built'), 'utf8')).toBe(`built ${sha}\n`);
      expect(await marked(fleet, 'activate', host)).toEqual([`${sha} ${release}`]);
      expect(deployment.hosts.find((entry) => entry.host === host)!.log).toContain(`current -> ${current}`);
    }
  }, 120_000);

  it('a failing health check on one host: that host is failed, rolled back to its previous release', async () => {
    const fleet = await setUp();
    const first = await fleet.push();
    expect((await fleet.settled(first.deploymentId, WAIT_MS)).status).toBe('succeeded');
    const before = await readlink(join(releasesPath(fleet, 'web-2'), 'current'));

    health.get('web-2')!.answer = 503;
    const { sha, deploymentId } = await fleet.push();
    const deployment = await fleet.settled(deploymentId, WAIT_MS);

    expect(deployment.status).toBe('failed');
    const [web1, web2] = deployment.hosts;
    expect([web1.host, web1.status, web1.headAfter]).toEqual(['web-1', 'succeeded', sha]);
    expect(await readlink(join(releasesPath(fleet, 'web-1'), 'current'))).toMatch(new RegExp(`-${sha.slice(0, 7)}$`));
    expect([web2.host, web2.status, web2.error]).toEqual([
      'web-2',
      'failed',
      `rolled back to ${before.slice('releases/'.length)}`,
    ]);
    expect(await readlink(join(releasesPath(fleet, 'web-2'), 'current'))).toBe(before);
    // The new release was activated, then the previous one again.
    expect((await marked(fleet, 'activate', 'web-2')).map((line) => line.split(' ')[1])).toEqual([
      before.slice('releases/'.length),
      expect.stringMatching(new RegExp(`-${sha.slice(0, 7)}$`)),
      before.slice('releases/'.length),
    ]);
  }, 120_000);
});
