import { expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { useFleet, type Fleet } from '../fixtures/fleet.js';
import { describeWithRedis } from '../fixtures/describe-with-redis.js';
import type { RedisServer } from '../fixtures/redis-server.js';
import { waitFor } from '../fixtures/wait.js';

const WAIT_MS = 60_000;

/** The job hashes a host's queue holds in Redis (`hookdeploy:host-<name>:<job id>`). */
async function jobsIn(redis: RedisServer, host: string): Promise<Record<string, string>[]> {
  const client = new Redis(redis.url);
  try {
    const keys = (await client.keys(`hookdeploy:host-${host}:*`)).filter((key) =>
      /^hookdeploy:host-[a-z0-9-]+:[a-z0-9-]+-\d+-\d+$/.test(key),
    );
    return await Promise.all(keys.map((key) => client.hgetall(key)));
  } finally {
    client.disconnect();
  }
}

async function lines(path: string): Promise<string[]> {
  return (await readFile(path, 'utf8').catch(() => '')).split('\n').filter(Boolean);
}

describeWithRedis('a fleet: one push, many hosts, and its guarantees', () => {
  const fleets = useFleet();
  const setUp = (options: { appendOnly?: boolean } = {}): Promise<Fleet> => fleets.start(options);

  it('parallel: three agents each move their own work tree to the pushed commit; the hub records every host', async () => {
    const fleet = await setUp();
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

  it('rolling: the first failing host stops the rollout, the hosts after it are skipped', async () => {
    const fleet = await setUp();
    await fleet.startHub({ hosts: ['web-1', 'web-2', 'web-3'], rollout: 'rolling' });
    await fleet.addAgent('web-1');
    await fleet.addAgent('web-2', { command: 'echo broken; exit 3' });
    const third = await fleet.addAgent('web-3');
    const before = await third.head();

    const { deploymentId } = await fleet.push();
    const deployment = await fleet.settled(deploymentId, WAIT_MS);

    expect(deployment.status).toBe('failed');
    expect(deployment.hosts.map((host) => host.status)).toEqual(['succeeded', 'failed', 'skipped']);
    expect(deployment.hosts[1].log).toContain('broken');
    expect(deployment.hosts[2].error).toMatch(/^skipped: web-2 failed/);
    expect(await third.head()).toBe(before);
  }, 120_000);

  it('a host whose agent never takes the job fails as "host offline" after hostTimeout; its job is taken back', async () => {
    const fleet = await setUp();
    await fleet.startHub({ hosts: ['web-1', 'web-2'], hostTimeoutSeconds: 3 });
    await fleet.addAgent('web-1');

    const { sha, deploymentId } = await fleet.push();
    const deployment = await fleet.settled(deploymentId, WAIT_MS);

    expect(deployment.status).toBe('failed');
    expect(deployment.hosts.map((host) => [host.host, host.status, host.error])).toEqual([
      ['web-1', 'succeeded', null],
      ['web-2', 'failed', 'host offline'],
    ]);
    expect(deployment.hosts[0].headAfter).toBe(sha);
    expect(await jobsIn(fleets.redis, 'web-2')).toEqual([]);
  }, 120_000);

  it('a job carries only the target id, the deployment id and the commit', async () => {
    const fleet = await setUp();
    await fleet.startHub({ hosts: ['web-1'] });
    const { sha, deploymentId } = await fleet.push();

    await waitFor('the job is in Redis', async () => (await jobsIn(fleets.redis, 'web-1')).length === 1, WAIT_MS);
    const [job] = await jobsIn(fleets.redis, 'web-1');
    expect(JSON.parse(job.data)).toEqual({ target: 'site', deployment: deploymentId, commit: sha });
    expect(job.name).toBe('deploy');
  }, 120_000);

  it('an agent refuses a job for a target its own file does not have; the hub records why', async () => {
    const fleet = await setUp();
    await fleet.startHub({ hosts: ['web-1'] });
    const agent = await fleet.addAgent('web-1', { targetId: 'other' });
    const before = await agent.head();

    const { deploymentId } = await fleet.push();
    const deployment = await fleet.settled(deploymentId, WAIT_MS);

    expect(deployment.status).toBe('failed');
    expect(deployment.hosts[0].status).toBe('failed');
    expect(deployment.hosts[0].error).toBe('agent web-1 has no target "site" in its configuration');
    expect(await agent.head()).toBe(before);
  }, 120_000);

  it('newest only: an agent offline during 5 pushes deploys only the newest commit, once', async () => {
    const fleet = await setUp();
    await fleet.startHub({ hosts: ['web-1'] });
    const pushes = [];
    for (let n = 0; n < 5; n++) pushes.push(await fleet.push());
    expect(pushes.map((push) => push.status)).toEqual([202, 202, 202, 202, 202]);
    const newest = pushes[4];
    // Every older deployment ends before the agent is back: its job was taken back.
    for (const push of pushes) {
      if (push.deploymentId !== newest.deploymentId) await fleet.settled(push.deploymentId, WAIT_MS);
    }

    const trace = join(fleet.root, 'deploys-web-1');
    const agent = await fleet.addAgent('web-1', { command: `echo "$DEPLOY_SHA" >> ${trace}` });
    const deployment = await fleet.settled(newest.deploymentId, WAIT_MS);

    expect(deployment.status).toBe('succeeded');
    expect(await agent.head()).toBe(newest.sha);
    expect(await lines(trace)).toHaveLength(1);
    const older = await fleet.deployment(pushes[0].deploymentId);
    expect(older.hosts[0].status).toBe('skipped');
    expect(older.hosts[0].error).toMatch(/^superseded by deployment \d+$/);
  }, 120_000);

  it('an agent SIGKILLed mid-deploy redoes the deploy when it restarts', async () => {
    const fleet = await setUp();
    await fleet.startHub({ hosts: ['web-1'] });
    const trace = join(fleet.root, 'runs-web-1');
    const agent = await fleet.addAgent('web-1', { command: `echo run >> ${trace}; sleep 2` });

    const { sha, deploymentId } = await fleet.push();
    await waitFor('the deploy command runs', async () => (await lines(trace)).length === 1, WAIT_MS);
    await agent.kill();
    agent.start();
    await agent.started();
    const deployment = await fleet.settled(deploymentId, WAIT_MS);

    expect(deployment.status).toBe('succeeded');
    expect(deployment.hosts[0].headAfter).toBe(sha);
    expect(await agent.head()).toBe(sha);
    expect(await lines(trace)).toHaveLength(2);
  }, 120_000);

  it('Redis and the hub killed mid-rollout: with appendonly the jobs are still there, and the restarted hub resumes', async () => {
    const fleet = await setUp({ appendOnly: true });
    await fleet.startHub({ hosts: ['web-1', 'web-2'] });
    const { sha, deploymentId } = await fleet.push();
    await waitFor(
      'both jobs are in Redis',
      async () => {
        const jobs = [...(await jobsIn(fleets.redis, 'web-1')), ...(await jobsIn(fleets.redis, 'web-2'))];
        return jobs.length === 2;
      },
      WAIT_MS,
    );

    fleet.hub!.stop();
    await fleet.hub!.exitCode();
    await fleets.redis.stop('SIGKILL');
    await fleets.redis.launch();
    expect((await jobsIn(fleets.redis, 'web-1')).length + (await jobsIn(fleets.redis, 'web-2')).length).toBe(2);

    await fleet.launchHub();
    const agents = [await fleet.addAgent('web-1'), await fleet.addAgent('web-2')];
    const deployment = await fleet.settled(deploymentId, WAIT_MS);

    expect(deployment.status).toBe('succeeded');
    for (const agent of agents) expect(await agent.head()).toBe(sha);
  }, 120_000);

  it('Redis down during a burst: every push is answered 202, and once Redis is back the newest reaches every host', async () => {
    const fleet = await setUp();
    await fleet.startHub({ hosts: ['web-1', 'web-2'] });
    const agents = [await fleet.addAgent('web-1'), await fleet.addAgent('web-2')];
    await fleets.redis.stop('SIGKILL');

    const pushes = [];
    for (let n = 0; n < 4; n++) pushes.push(await fleet.push());
    expect(pushes.map((push) => push.status)).toEqual([202, 202, 202, 202]);

    await fleets.redis.launch();
    const newest = pushes[3];
    const deployment = await fleet.settled(newest.deploymentId, WAIT_MS);

    expect(deployment.status).toBe('succeeded');
    for (const agent of agents) expect(await agent.head()).toBe(newest.sha);
    // Every accepted push belongs to a deployment that ended; none waits for ever.
    for (const push of pushes)
      expect(['succeeded', 'failed']).toContain((await fleet.deployment(push.deploymentId)).status);
  }, 120_000);
});
