import { expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { describeWithRedis } from '../fixtures/describe-with-redis.js';
import { useFleet } from '../fixtures/fleet.js';

const WAIT_MS = 60_000;
const PASSWORD = 'acl-test-password-5e6f7a8b9c';

/** The README's "A user with the least rights BullMQ needs", word for word. */
const README_ACL = [
  'hookdeploy',
  'on',
  `>${PASSWORD}`,
  'resetkeys',
  '~hookdeploy:*',
  'resetchannels',
  '-@all',
  '+@read',
  '+@write',
  '+@scripting',
  '+@transaction',
  '+@connection',
  '+@blocking',
  '-@dangerous',
  '+info',
];

describeWithRedis("a fleet through the README's least-rights Redis user", () => {
  const fleets = useFleet();

  it('the hub and two agents deploy with only those rights; the user can do nothing else', async () => {
    const redis = await fleets.startRedis();
    const admin = new Redis(redis.url);
    try {
      await admin.call('ACL', 'SETUSER', ...README_ACL);
    } finally {
      admin.disconnect();
    }
    const url = new URL(redis.url);
    url.username = 'hookdeploy';
    url.password = PASSWORD;
    const env = { REDIS_URL: url.toString() };

    const fleet = await fleets.fleetOn(redis);
    await fleet.startHub({ hosts: ['web-1', 'web-2'], env });
    const agents = [await fleet.addAgent('web-1', { env }), await fleet.addAgent('web-2', { env })];
    const { sha, deploymentId } = await fleet.push();
    const deployment = await fleet.settled(deploymentId, WAIT_MS);

    expect(deployment.status).toBe('succeeded');
    for (const agent of agents) {
      expect(await agent.head()).toBe(sha);
      expect(agent.process!.text()).toContain(`at redis://hookdeploy:***@127.0.0.1:${url.port}`);
    }
    // The rights are really that narrow: another key, a dangerous command are refused.
    const limited = new Redis(url.toString(), { maxRetriesPerRequest: 0 });
    try {
      await expect(limited.set('other:key', '1')).rejects.toThrow(/NOPERM/);
      await expect(limited.call('FLUSHALL')).rejects.toThrow(/NOPERM/);
      await expect(limited.call('KEYS', 'hookdeploy:*')).rejects.toThrow(/NOPERM/);
    } finally {
      limited.disconnect();
    }
  }, 120_000);
});
