import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TargetsService } from '../fixtures/targets-service.js';

describe('one process, targets on four forges', () => {
  let service: TargetsService;

  beforeAll(async () => {
    service = await TargetsService.start([
      { id: 'site', forge: 'github', command: 'echo "$DEPLOY_TARGET"' },
      { id: 'api', forge: 'gitlab' },
      { id: 'docs', forge: 'gitea' },
      { id: 'shop', forge: 'bitbucket-server' },
    ]);
  }, 60_000);

  afterAll(() => service?.remove());

  it('deploys a signed push on each target, from its own forge, into its own work tree', async () => {
    const pushed = new Map<string, { sha: string; deploymentId: number }>();
    for (const id of ['site', 'api', 'docs', 'shop']) {
      const sha = await service.commitAndPush(id);
      const response = await service.deliver(id, 'push', { after: sha });
      expect(response.status).toBe(202);
      pushed.set(id, { sha, deploymentId: ((await response.json()) as { deploymentId: number }).deploymentId });
    }
    for (const [id, { sha, deploymentId }] of pushed) {
      const deployment = await service.settled(deploymentId);
      expect(deployment).toMatchObject({ target: id, status: 'succeeded', headAfter: sha });
      expect(await service.fixture(id).deployHead()).toBe(sha);
    }
    expect((await service.settled(pushed.get('site')!.deploymentId)).log).toContain('site');
  }, 60_000);

  it('answers 404 for an unknown target without reading the body', async () => {
    const response = await fetch(`${service.url}/hooks/nope`, { method: 'POST', body: 'x'.repeat(1000) });
    expect(response.status).toBe(404);
  });
});
