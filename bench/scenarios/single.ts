import { tipReaches } from '../lib/git-probe.js';
import { BenchService, directPullMs } from '../lib/service.js';
import { median, round } from '../lib/stats.js';

/**
 * One push at a time: request sent → the clone's branch at the pushed commit, against a
 * direct `git pull --rebase` of the same commit on an identical clone, timed the same way.
 */
export async function single(service: BenchService, pushes: number): Promise<Record<string, number>> {
  const { fixture } = service;
  const mirror = await service.mirror('single-mirror');
  const ratios: number[] = [];
  const serviceTimes: number[] = [];
  const directTimes: number[] = [];
  for (let i = 0; i < pushes; i += 1) {
    const sha = await fixture.commitAndPush(`single ${i}`);
    const delivery = BenchService.pushFor(sha);
    const started = performance.now();
    await service.deliver(delivery);
    await tipReaches(fixture.deploy, fixture.branch, sha, 30_000);
    const serviceMs = performance.now() - started;
    const directMs = await directPullMs(mirror, fixture.branch);
    serviceTimes.push(serviceMs);
    directTimes.push(directMs);
    ratios.push(serviceMs / directMs);
    // The deployment finishes (checks, housekeeping) before the next push, as pushes come apart.
    await new Promise((done) => setTimeout(done, 100));
  }
  return {
    singleRatio: round(median(ratios), 2),
    singleServiceMs: round(median(serviceTimes)),
    singleDirectPullMs: round(median(directTimes)),
  };
}
