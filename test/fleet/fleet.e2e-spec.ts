import { afterEach, beforeEach, expect, it } from '@jest/globals';
import { Fleet } from '../fixtures/fleet.js';
import { describeWithRedis } from '../fixtures/describe-with-redis.js';
import { RedisServer } from '../fixtures/redis-server.js';

const WAIT_MS = 60_000;

describeWithRedis('a fleet: one push, many hosts', () => {
  let redis: RedisServer;
  let fleet: Fleet;

  beforeEach(async () => {
    redis = await RedisServer.start();
    fleet = await Fleet.create(redis);
  }, 30_000);

  afterEach(async () => {
    await fleet.remove();
    await redis.remove();
  }, 30_000);

  it('parallel: three agents each move their own work tree to the pushed commit; the hub records every host', async () => {
    const hosts = ['web-1', 'web-2', 'web-3'];
    await fleet.startHub({ hosts });
    for (const host of hosts) await fleet.addAgent(host, { command: `echo deployed on ${host}` });

    const { sha, status, deploymentId } = await fleet.push();
    expect(status).toBe(202);
    const deployment = await fleet.settled(deploymentId, WAIT_MS);

    expect(deployment.status).toBe('succeeded');
    expect(deployment.hosts.map((host) => [host.host, host.status, host.headAfter])).toEqual(
      hosts.map((host) => [host, 'succeeded', sha]),
    );
    for (const host of deployment.hosts) {
      expect(host.log).toContain(`deployed on ${host.host}`);
      expect(host.startedAt).not.toBeNull();
      expect(host.finishedAt).not.toBeNull();
    }
    for (const host of hosts) expect(await fleet.agents.get(host)!.head()).toBe(sha);
  }, 120_000);
});
