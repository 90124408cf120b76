import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeployTrace } from '../../fixtures/deploy-trace.js';
import { removeWithTrace, TargetsService } from '../../fixtures/targets-service.js';
import { waitFor } from '../../fixtures/wait.js';

const WAIT_MS = 30_000;
const TARGETS = ['site', 'api'] as const;

describe('crash recovery with targets', () => {
  let service: TargetsService;
  let trace: DeployTrace;

  beforeAll(async () => {
    trace = await DeployTrace.create();
    service = await TargetsService.start(
      [
        { id: 'site', forge: 'github', command: trace.command(0, { gated: true }) },
        { id: 'api', forge: 'gitlab', command: trace.command(0, { gated: true }) },
        { id: 'idle', forge: 'gitea' },
      ],
      { env: { MAX_PARALLEL_DEPLOYS: '2' } },
    );
  }, 60_000);

  afterAll(() => removeWithTrace(service, trace));

  it('SIGKILL while two targets deploy: both fail as interrupted, each target redeploys on its own', async () => {
    await trace.closeGate();
    const pushed = new Map<string, { sha: string; deploymentId: number }>();
    for (const id of TARGETS) {
      const sha = await service.commitAndPush(id);
      const response = await service.deliver(id, 'push', { after: sha });
      expect(response.status).toBe(202);
      pushed.set(id, { sha, deploymentId: ((await response.json()) as { deploymentId: number }).deploymentId });
    }
    await waitFor(
      'both commands run',
      async () => (await trace.events()).filter((e) => e.kind === 'start').length === 2,
      WAIT_MS,
    );

    service.service.child.kill('SIGKILL');
    await service.service.exitCode();
    // The gate stays closed: the dead process's commands still wait on it, the recovery must end them.
    await service.launch();
    await waitFor(
      'both recovery deployments run their command',
      async () => (await trace.events()).filter((e) => e.kind === 'start').length === 4,
      WAIT_MS,
    );
    await trace.openGate();

    // The two interrupted ones and two recovery deployments.
    const deployments = await service.settledDeployments(4, undefined, WAIT_MS);

    expect(deployments).toHaveLength(4);
    for (const id of TARGETS) {
      const { sha, deploymentId } = pushed.get(id)!;
      const mine = deployments.filter((d) => d.target === id).sort((a, b) => a.id - b.id);
      expect(mine).toEqual([
        expect.objectContaining({ id: deploymentId, status: 'failed', error: 'interrupted' }),
        expect.objectContaining({ trigger: 'recovery', status: 'succeeded', requestedSha: sha, headAfter: sha }),
      ]);
      expect(await service.fixture(id).deployHead()).toBe(sha);
    }
    // The target that was not deploying got nothing to recover.
    expect(deployments.filter((d) => d.target === 'idle')).toEqual([]);
    // The interrupted commands were ended at the restart (they never reached their end); the recovery ones ran through.
    const ends = (await trace.events()).filter((e) => e.kind === 'end').map((e) => e.deploymentId);
    const recoveries = deployments.filter((d) => d.trigger === 'recovery').map((d) => d.id);
    expect(ends.sort()).toEqual(recoveries.sort());
  }, 80_000);
});
