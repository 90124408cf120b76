import { expect, it } from '@jest/globals';
import { describeWithRedis } from '../fixtures/describe-with-redis.js';
import { FLEET_ADMIN_TOKEN, useFleet } from '../fixtures/fleet.js';

const WAIT_MS = 60_000;

async function getJson(url: string, admin: boolean): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, admin ? { headers: { authorization: `Bearer ${FLEET_ADMIN_TOKEN}` } } : {});
  return { status: response.status, body: await response.json() };
}

describeWithRedis('GET /targets and /health for a fleet target: no HEAD of its own, each host instead', () => {
  const fleets = useFleet();

  it('before any deployment every host is null; after one, each host has its status and commit', async () => {
    const fleet = await fleets.start();
    await fleet.startHub({ hosts: ['web-1', 'web-2'] });
    await fleet.addAgent('web-1');
    await fleet.addAgent('web-2', { command: 'exit 3' });

    const never = [
      { host: 'web-1', status: null, headAfter: null },
      { host: 'web-2', status: null, headAfter: null },
    ];
    expect(await getJson(`${fleet.hubUrl}/health`, false)).toEqual({
      status: 200,
      body: {
        status: 'ok',
        targets: [{ id: 'site', status: 'ok', branch: 'main', head: null, paused: false, hosts: never }],
      },
    });
    const before = await getJson(`${fleet.hubUrl}/targets`, true);
    expect(before.status).toBe(200);
    expect(before.body).toEqual([
      {
        id: 'site',
        forge: 'github',
        branch: 'main',
        repository: null,
        repoPath: '',
        strategy: 'rebase',
        mode: 'in-place',
        current: null,
        status: 'ok',
        head: null,
        hosts: never,
        paused: false,
      },
    ]);

    const { sha, deploymentId } = await fleet.push();
    expect((await fleet.settled(deploymentId, WAIT_MS)).status).toBe('failed');

    const hosts = [
      { host: 'web-1', status: 'succeeded', headAfter: sha },
      { host: 'web-2', status: 'failed', headAfter: sha },
    ];
    expect(await getJson(`${fleet.hubUrl}/health`, false)).toEqual({
      status: 200,
      body: { status: 'ok', targets: [{ id: 'site', status: 'ok', branch: 'main', head: null, paused: false, hosts }] },
    });
    const [target] = (await getJson(`${fleet.hubUrl}/targets`, true)).body as Record<string, unknown>[];
    expect(target).toMatchObject({ head: null, hosts, lastDeployment: { id: deploymentId, status: 'failed' } });
  }, 120_000);
});
