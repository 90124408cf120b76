import { afterEach, expect, it } from '@jest/globals';
import { describeWithRedis } from '../fixtures/describe-with-redis.js';
import { Fleet } from '../fixtures/fleet.js';
import { RedisServer } from '../fixtures/redis-server.js';

describeWithRedis('an agent and its signals', () => {
  let redis: RedisServer | undefined;
  let fleet: Fleet | undefined;

  afterEach(async () => {
    await fleet?.remove();
    await redis?.remove();
    fleet = undefined;
    redis = undefined;
  }, 30_000);

  it('logs and ignores SIGHUP (Node would end it, a running deploy with it), and deploys on', async () => {
    redis = await RedisServer.start();
    fleet = await Fleet.create(redis);
    await fleet.startHub({ hosts: ['web-1'] });
    const agent = await fleet.addAgent('web-1', { command: 'echo deployed' });

    agent.process!.child.kill('SIGHUP');
    await agent.process!.waitForLine(/SIGHUP ignored/, 10_000);
    expect(agent.process!.child.exitCode).toBeNull();

    const { sha, status, deploymentId } = await fleet.push();
    expect(status).toBe(202);
    const deployment = await fleet.settled(deploymentId, 60_000);
    expect(deployment.hosts.map((host) => [host.status, host.headAfter])).toEqual([['succeeded', sha]]);
  }, 120_000);
});
