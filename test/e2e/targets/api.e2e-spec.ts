import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoredDelivery } from '../../../src/domain/delivery-record.js';
import type { Deployment, DeploymentSummary } from '../../../src/domain/deployment.js';
import { fixtureDefaults } from '../../fixtures/forge-deliveries.js';
import { GitFixture } from '../../fixtures/git-fixture.js';
import { LiveService } from '../../fixtures/live-service.js';
import { TargetsService } from '../../fixtures/targets-service.js';

const WAIT_MS = 30_000;

interface HealthBody {
  status: string;
  branch?: string;
  head?: string;
  targets: Array<{ id: string; status: string; branch: string | null; head: string | null; paused: boolean }>;
}

async function health(url: string): Promise<{ status: number; body: HealthBody }> {
  const response = await fetch(`${url}/health`);
  return { status: response.status, body: (await response.json()) as HealthBody };
}

describe('the API with several targets', () => {
  let service: TargetsService;

  beforeAll(async () => {
    service = await TargetsService.start([
      { id: 'site', forge: 'github', command: 'echo "deployed $DEPLOY_TARGET"' },
      { id: 'api', forge: 'gitlab', strategy: 'reset' },
    ]);
  }, 60_000);

  afterAll(() => service?.remove());

  const deployNow = (body: string | undefined): Promise<{ status: number; body: Record<string, unknown> }> =>
    service.api('/deployments', { method: 'POST', ...(body === undefined ? {} : { body }) });

  it('GET /targets lists every target with exactly the contract fields', async () => {
    const { status, body } = await service.api<Array<Record<string, unknown>>>('/targets');
    expect(status).toBe(200);
    expect(body).toEqual([
      {
        id: 'site',
        forge: 'github',
        branch: 'main',
        repository: fixtureDefaults('github').repository,
        repoPath: service.fixture('site').deploy,
        strategy: 'rebase',
        mode: 'in-place',
        current: null,
        status: 'ok',
        head: await service.fixture('site').deployHead(),
        paused: false,
      },
      {
        id: 'api',
        forge: 'gitlab',
        branch: 'main',
        repository: fixtureDefaults('gitlab').repository,
        repoPath: service.fixture('api').deploy,
        strategy: 'reset',
        mode: 'in-place',
        current: null,
        status: 'ok',
        head: await service.fixture('api').deployHead(),
        paused: false,
      },
    ]);
    const anonymous = await fetch(`${service.url}/targets`);
    expect(anonymous.status).toBe(401);
  });

  it('POST /deployments deploys the target named, and refuses a missing, unknown or malformed one', async () => {
    const apiHead = await service.fixture('api').deployHead();
    const sha = await service.commitAndPush('site');
    const accepted = await deployNow(JSON.stringify({ target: 'site' }));
    expect(accepted).toEqual({ status: 202, body: { status: 'queued', deploymentId: expect.any(Number) } });
    const deployment = await service.settled(accepted.body.deploymentId as number, WAIT_MS);
    expect(deployment).toMatchObject({ target: 'site', trigger: 'manual', status: 'succeeded', headAfter: sha });
    expect(deployment.log).toContain('deployed site');
    expect(await service.fixture('api').deployHead()).toBe(apiHead); // the other target untouched

    for (const [body, status] of [
      [undefined, 400], // omitted with two targets
      ['{}', 400],
      [JSON.stringify({ target: 'nope' }), 404],
      [JSON.stringify({ target: 5 }), 400],
      [JSON.stringify({ target: null }), 400],
      [JSON.stringify({ target: ['site'] }), 400],
      [JSON.stringify({ target: 'Not An Id!' }), 400],
      [JSON.stringify({ target: 'site', branch: 'main' }), 400],
      ['{"target":', 400],
    ] as const) {
      const answer = await deployNow(body);
      expect({ body, status: answer.status }).toEqual({ body, status });
      expect(answer.body).toEqual({ error: expect.any(String) });
    }
    // None of those queued anything.
    const all = (await service.api<DeploymentSummary[]>('/deployments?log=false')).body;
    expect(all.map((d) => d.id)).toEqual([accepted.body.deploymentId]);
  }, 60_000);

  it('GET /targets shows the last deployment; /deployments and /deliveries filter by target', async () => {
    const sha = await service.commitAndPush('api');
    const response = await service.deliver('api', 'push', { after: sha });
    expect(response.status).toBe(202);
    const { deploymentId, delivery } = (await response.json()) as { deploymentId: number; delivery: string };
    await service.settled(deploymentId, WAIT_MS);
    await service.deliver('site', 'other-branch'); // an ignored delivery of the other target

    const targets = (await service.api<Array<Record<string, unknown>>>('/targets')).body;
    const api = targets.find((t) => t.id === 'api')!;
    expect(api.lastDeployment).toMatchObject({ id: deploymentId, target: 'api', status: 'succeeded', headAfter: sha });
    expect(api.lastDeployment).not.toHaveProperty('log');
    expect(api.head).toBe(sha);

    const apiDeployments = (await service.api<Deployment[]>('/deployments?target=api')).body;
    expect(apiDeployments.map((d) => [d.id, d.target])).toEqual([[deploymentId, 'api']]);
    const siteDeployments = (await service.api<Deployment[]>('/deployments?target=site')).body;
    expect(siteDeployments.length).toBeGreaterThan(0);
    expect(siteDeployments.every((d) => d.target === 'site')).toBe(true);
    expect((await service.api<Deployment[]>('/deployments?target=nope')).body).toEqual([]);
    expect((await service.api('/deployments?target=NOT!')).status).toBe(400);

    const apiDeliveries = (await service.api<StoredDelivery[]>('/deliveries?target=api')).body;
    expect(apiDeliveries.map((d) => [d.id, d.target])).toEqual([[delivery, 'api']]);
    const siteDeliveries = (await service.api<StoredDelivery[]>('/deliveries?target=site')).body;
    expect(siteDeliveries.length).toBeGreaterThan(0);
    expect(siteDeliveries.every((d) => d.target === 'site')).toBe(true);
    expect((await service.api('/deliveries?target=NOT!')).status).toBe(400);
  }, 60_000);

  it('GET /health: 200 with each target, 503 with the same shape while one work tree is broken', async () => {
    const ok = await health(service.url);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'ok' });
    expect(ok.body).not.toHaveProperty('branch');
    expect(ok.body).not.toHaveProperty('head');
    expect(ok.body.targets).toEqual([
      { id: 'site', status: 'ok', branch: 'main', head: await service.fixture('site').deployHead(), paused: false },
      { id: 'api', status: 'ok', branch: 'main', head: await service.fixture('api').deployHead(), paused: false },
    ]);

    const dotGit = join(service.fixture('api').deploy, '.git');
    await rename(dotGit, `${dotGit}-moved`);
    try {
      const broken = await health(service.url);
      expect(broken.status).toBe(503);
      expect(broken.body.status).not.toBe('ok');
      expect(broken.body.targets).toEqual([
        { id: 'site', status: 'ok', branch: 'main', head: await service.fixture('site').deployHead(), paused: false },
        { id: 'api', status: 'error', branch: null, head: null, paused: false },
      ]);
      expect(JSON.stringify(broken.body)).not.toContain(service.fixture('api').deploy);
      const targets = (await service.api<Array<Record<string, unknown>>>('/targets')).body;
      expect(targets.find((t) => t.id === 'api')).toMatchObject({
        status: 'error',
        head: null,
        error: expect.any(String),
      });
      expect(targets.find((t) => t.id === 'site')).not.toHaveProperty('error');
    } finally {
      await rename(`${dotGit}-moved`, dotGit);
    }
    expect((await health(service.url)).status).toBe(200);
  });

  it('GET /health shows which target is paused, and stays 200 while one is', async () => {
    expect((await service.api('/targets/api/pause', { method: 'POST' })).status).toBe(200);
    try {
      const paused = await health(service.url);
      expect(paused.status).toBe(200);
      expect(paused.body.targets.map(({ id, paused }) => ({ id, paused }))).toEqual([
        { id: 'site', paused: false },
        { id: 'api', paused: true },
      ]);
    } finally {
      expect((await service.api('/targets/api/resume', { method: 'POST' })).status).toBe(200);
    }
    expect((await health(service.url)).body.targets.every((target) => target.paused === false)).toBe(true);
  });
});

describe('the API with exactly one target', () => {
  let service: TargetsService;

  beforeAll(async () => {
    service = await TargetsService.start([{ id: 'solo', forge: 'gitea' }]);
  }, 60_000);

  afterAll(() => service?.remove());

  it('POST /deployments may omit the target', async () => {
    for (const body of [undefined, '{}']) {
      const sha = await service.commitAndPush('solo');
      const accepted = await service.api<{ deploymentId: number }>('/deployments', {
        method: 'POST',
        ...(body === undefined ? {} : { body }),
      });
      expect(accepted.status).toBe(202);
      expect(await service.settled(accepted.body.deploymentId, WAIT_MS)).toMatchObject({
        target: 'solo',
        status: 'succeeded',
        headAfter: sha,
      });
    }
  }, 60_000);
});

describe('GET /health in env-only mode', () => {
  let fixture: GitFixture;
  let live: LiveService;

  beforeAll(async () => {
    fixture = await GitFixture.create();
    live = await LiveService.start(fixture);
  }, 60_000);

  afterAll(async () => {
    await live?.stop();
    await fixture?.remove();
  });

  it('keeps branch and head at the top level, beside targets', async () => {
    const head = await fixture.deployHead();
    const { status, body } = await live.health();
    expect(status).toBe(200);
    expect(body).toEqual({
      status: 'ok',
      branch: 'main',
      head,
      targets: [{ id: 'default', status: 'ok', branch: 'main', head, paused: false }],
    });
  });
});
