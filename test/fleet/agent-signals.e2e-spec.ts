import { expect, it } from '@jest/globals';
import { describeWithRedis } from '../fixtures/describe-with-redis.js';
import { useFleet } from '../fixtures/fleet.js';

describeWithRedis('an agent and its signals', () => {
  const fleets = useFleet();

  it('logs and ignores SIGHUP (Node would end it, a running deploy with it), and deploys on', async () => {
    const fleet = await fleets.start();
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
