import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Deployment } from '../../../src/domain/deployment.js';
import { DeployTrace } from '../../fixtures/deploy-trace.js';
import { FakeForgeApi } from '../../fixtures/fake-forge-api.js';
import { removeWithTrace, TargetsService } from '../../fixtures/targets-service.js';
import { waitFor } from '../../fixtures/wait.js';

const WAIT_MS = 30_000;

describe('report after a crash', () => {
  let service: TargetsService;
  let trace: DeployTrace;
  let forge: FakeForgeApi;

  beforeAll(async () => {
    trace = await DeployTrace.create();
    forge = await FakeForgeApi.start();
    service = await TargetsService.start(
      [
        {
          id: 'site',
          forge: 'gitlab',
          command: trace.command(0, { gated: true }),
          report: { token: '${SITE_GITLAB_TOKEN}', apiUrl: `${forge.url}/api/v4`, publicUrl: 'https://d.example.com' },
        },
      ],
      { env: { SITE_GITLAB_TOKEN: 'glpat-crash-test-81f0' } },
    );
  }, 60_000);

  afterAll(async () => {
    await removeWithTrace(service, trace);
    await forge.close();
  });

  it('a deployment killed mid-run is reported failed at the next boot, before its recovery runs and succeeds', async () => {
    await trace.closeGate();
    const sha = await service.commitAndPush('site');
    const response = await service.deliver('site', 'push', { after: sha });
    const { deploymentId } = (await response.json()) as { deploymentId: number };
    await forge.waitForRequests(1);
    service.service.child.kill('SIGKILL');
    await service.service.exitCode();

    await service.launch();
    await trace.openGate();
    const deployments = await service.settledDeployments(2, 'site', WAIT_MS);
    const recovery = deployments.find((d) => d.trigger === 'recovery')!;
    expect(recovery).toMatchObject({ status: 'succeeded', requestedSha: sha });
    await forge.waitForRequests(4);
    const states = forge.requests.map((r) => [r.path.split('/').pop(), (r.body as { state: string }).state]);
    expect(states).toEqual([
      [sha, 'running'], // the first process, before the kill
      [sha, 'failed'], // the interrupted deployment, at the boot
      [sha, 'running'], // its recovery
      [sha, 'success'],
    ]);
    let interrupted: Deployment | undefined;
    await waitFor('both reports recorded', async () => {
      interrupted = (await service.api<Deployment>(`/deployments/${deploymentId}`)).body;
      const redone = (await service.api<Deployment>(`/deployments/${recovery.id}`)).body;
      return interrupted.report === 'reported failed to GitLab' && redone.report === 'reported success to GitLab';
    });
    expect(interrupted).toMatchObject({ status: 'failed', error: 'interrupted' });
    expect(interrupted!.log).toContain('hookdeploy: reported failed to GitLab\n');
  }, 80_000);
});
