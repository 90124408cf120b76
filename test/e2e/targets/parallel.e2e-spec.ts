import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DeploymentSummary } from '../../../src/domain/deployment.js';
import { DeployTrace } from '../../fixtures/deploy-trace.js';
import { git } from '../../fixtures/git-fixture.js';
import { removeWithTrace, TargetsService } from '../../fixtures/targets-service.js';
import { waitFor } from '../../fixtures/wait.js';

const BURST = 20;
const OTHERS = ['api', 'docs', 'shop'] as const;

/**
 * Four targets on four forges in one process, MAX_PARALLEL_DEPLOYS=2: a burst of pushes on
 * one target coalesces, and does not hold the other targets' pushes back beyond the cap.
 * The burst target's command waits on a gate, so that the whole burst arrives while its
 * first deploy runs, however slow the machine.
 */
describe('targets deploying in parallel under MAX_PARALLEL_DEPLOYS', () => {
  let service: TargetsService;
  let trace: DeployTrace;

  beforeAll(async () => {
    trace = await DeployTrace.create();
    service = await TargetsService.start(
      [
        { id: 'site', forge: 'github', command: trace.command(0.2, { gated: true }) },
        { id: 'api', forge: 'gitlab', command: trace.command(1.2) },
        { id: 'docs', forge: 'forgejo', command: trace.command(1.2) },
        { id: 'shop', forge: 'bitbucket', command: trace.command(1.2) },
      ],
      { env: { MAX_PARALLEL_DEPLOYS: '2' } },
    );
  }, 60_000);

  afterAll(() => removeWithTrace(service, trace));

  it('caps the commands running at once, coalesces the burst, and lets the other targets through', async () => {
    const site = service.fixture('site');
    // The burst's commits exist up front; each is pushed just before its delivery, as a developer pushing fast would.
    const burst: string[] = [];
    for (let i = 1; i <= BURST; i++) burst.push(await site.commit(`burst ${i}`));
    const pushTo = (sha: string): Promise<string> =>
      git(site.dev, 'push', '--quiet', 'origin', `${sha}:refs/heads/${site.branch}`);

    const accepted = new Map<string, string[]>(); // target -> delivery ids answered 202
    const deliver = async (id: string, sha: string): Promise<void> => {
      const response = await service.deliver(id, 'push', { after: sha });
      expect(response.status).toBe(202);
      const body = (await response.json()) as { delivery: string };
      accepted.set(id, [...(accepted.get(id) ?? []), body.delivery]);
    };
    const ended = async (id: string): Promise<boolean> =>
      (await trace.events()).some((e) => e.kind === 'end' && e.target === id);

    await trace.closeGate();
    await pushTo(burst[0]!);
    await deliver('site', burst[0]!);
    await waitFor('the first site deploy runs its command', async () =>
      (await trace.events()).some((e) => e.kind === 'start' && e.target === 'site'),
    );
    // Now every target has work: three single pushes at once, and the rest of the burst.
    const othersSha = new Map<string, string>();
    for (const id of OTHERS) othersSha.set(id, await service.commitAndPush(id));
    for (const id of OTHERS) await deliver(id, othersSha.get(id)!);
    for (const sha of burst.slice(1)) {
      await pushTo(sha);
      await deliver('site', sha);
    }

    // No head-of-line blocking: the site holds one slot, the three others pass through the other.
    await waitFor(
      'api, docs and shop deployed while site is busy',
      async () => (await ended('shop')) && (await ended('docs')) && (await ended('api')),
      30_000,
    );
    expect(await ended('site')).toBe(false);
    await trace.openGate();

    const deployments = await service.settledDeployments(5);
    const of = (id: string): DeploymentSummary[] =>
      deployments.filter((d) => d.target === id).sort((a, b) => a.id - b.id);

    // Every deployment succeeded, and every 202 is covered by one of its target's.
    expect(deployments.filter((d) => d.status !== 'succeeded')).toEqual([]);
    expect([...accepted.values()].flat()).toHaveLength(BURST + OTHERS.length);
    for (const [id, deliveries] of accepted) {
      const covered = new Set(of(id).flatMap((d) => d.deliveries));
      expect(deliveries.filter((delivery) => !covered.has(delivery))).toEqual([]);
    }

    // The burst coalesced: the running deploy, then one more for the 19 pushes that came during it.
    const siteDeployments = of('site');
    expect(siteDeployments).toHaveLength(2);
    expect(siteDeployments[1]!.deliveries).toHaveLength(BURST - 1);
    expect(siteDeployments[1]).toMatchObject({ requestedSha: burst.at(-1), headAfter: burst.at(-1) });
    expect(await site.deployHead()).toBe(burst.at(-1));

    for (const id of OTHERS) {
      expect(of(id)).toHaveLength(1);
      expect(of(id)[0]).toMatchObject({ headAfter: othersSha.get(id) });
      expect(await service.fixture(id).deployHead()).toBe(othersSha.get(id));
    }

    // At most two commands at once, and two did run together.
    const events = await trace.events();
    expect(events).toHaveLength(2 * deployments.length);
    expect(DeployTrace.maxConcurrent(events)).toBe(2);
  }, 80_000);
});
