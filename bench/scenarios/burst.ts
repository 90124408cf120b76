import { FetchCounter } from '../lib/fetch-counter.js';
import { tipReaches } from '../lib/git-probe.js';
import { BenchService, directPullMs } from '../lib/service.js';
import { round, until } from '../lib/stats.js';

const PUSHES = 50;

/**
 * 50 commits pushed, then their 50 signed deliveries at once: how long until the clone's
 * branch is at the last commit, how many fetches actually reached the origin, the slowest
 * answer, and the convergence against one direct `git pull --rebase` of the same commits.
 */
export async function burst(service: BenchService): Promise<Record<string, number>> {
  const { fixture } = service;
  const mirror = await service.mirror('burst-mirror');
  const shas: string[] = [];
  for (let i = 0; i < PUSHES; i += 1) shas.push(await fixture.commit(`burst ${i}`));
  await fixture.push();
  const counter = await FetchCounter.install(fixture.deploy, fixture.root);
  const before = (await service.deployments()).length;
  const deliveries = shas.map((sha) => BenchService.pushFor(sha));

  const started = performance.now();
  const answers = Promise.all(deliveries.map((delivery) => service.deliver(delivery)));
  await tipReaches(fixture.deploy, fixture.branch, shas.at(-1)!, 60_000);
  const convergeMs = performance.now() - started;
  const slowestMs = Math.max(...(await answers));
  await until(async () => (await service.deployments()).every((d) => d.status === 'succeeded'), 60_000);
  const gitUpdates = await counter.count();
  await counter.uninstall();
  const directMs = await directPullMs(mirror, fixture.branch);

  return {
    burstConvergeMs: round(convergeMs),
    burstDirectPullMs: round(directMs),
    burstConvergeRatio: round(convergeMs / directMs, 2),
    burstGitUpdates: gitUpdates,
    burstDeployments: (await service.deployments()).length - before,
    burstSlowestAnswerMs: round(slowestMs),
  };
}
