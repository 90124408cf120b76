import { tipReaches } from '../lib/git-probe.js';
import { median, round, until } from '../lib/stats.js';
import { BenchTargets } from '../lib/targets-service.js';

const BURST = 50;
/** Rounds per run: each one push on the one-target service, then the contended round. */
const ROUNDS = 3;
const QUIET = ['quiet-a', 'quiet-b'] as const;

export interface TargetsOptions {
  /** MAX_PARALLEL_DEPLOYS for the three-target service; unset: the default. */
  maxParallelDeploys?: number;
}

/**
 * Issue 10: three targets in one process; one gets a burst of 50 signed deliveries (50
 * distinct commits, one connection each) while, in the same tick, each of the other two
 * gets one push. For those two: request sent → their clone's branch at the pushed commit,
 * against the same push on a service with one target. Both services run side by side and
 * the rounds alternate between them, so that a change in the machine's load hits both
 * alike. The quiet deliveries go out in the middle of the burst's (after its 25th): the
 * service reads requests in turn, so a push that arrives behind 25 others waits for their
 * answers, whichever target they are for. The time after the 202 (the deploy itself) is
 * reported apart: it is what one queue per target is for.
 */
export async function targets(options: TargetsOptions = {}): Promise<Record<string, number>> {
  const env: Record<string, string> =
    options.maxParallelDeploys === undefined ? {} : { MAX_PARALLEL_DEPLOYS: String(options.maxParallelDeploys) };
  const alone = await BenchTargets.start(['solo']);
  const shared = await BenchTargets.start(['burst', ...QUIET], env).catch(async (error: unknown) => {
    await alone.stop();
    throw error;
  });
  try {
    await warmUp(alone, ['solo']);
    await warmUp(shared, ['burst', ...QUIET]);
    const aloneMs: number[] = [];
    const aloneAfterAnswerMs: number[] = [];
    const contended = {
      quietMs: [] as number[],
      answerMs: [] as number[],
      afterAnswerMs: [] as number[],
      convergeMs: [] as number[],
      slowest: 0,
    };
    for (let round = 0; round < ROUNDS; round += 1) {
      // As many samples alone as the two quiet targets give.
      for (let i = 0; i < QUIET.length; i += 1) {
        const push = await onePush(alone, 'solo', `alone ${round}.${i}`);
        aloneMs.push(push.movedMs);
        aloneAfterAnswerMs.push(push.movedMs - push.answerMs);
      }
      const result = await contendedRound(shared, round);
      contended.quietMs.push(...result.quietMs);
      contended.answerMs.push(...result.answerMs);
      contended.afterAnswerMs.push(...result.quietMs.map((moved, i) => moved - result.answerMs[i]!));
      contended.convergeMs.push(result.convergeMs);
      contended.slowest = Math.max(contended.slowest, result.slowestMs);
    }
    const aloneMedian = median(aloneMs);
    return {
      targetsAloneMs: round(aloneMedian),
      targetsQuietMs: round(median(contended.quietMs)),
      targetsQuietRatio: round(median(contended.quietMs) / aloneMedian, 2),
      targetsQuietWorstRatio: round(Math.max(...contended.quietMs) / aloneMedian, 2),
      targetsQuietAnswerMs: round(median(contended.answerMs)),
      targetsAloneAfterAnswerMs: round(median(aloneAfterAnswerMs)),
      targetsQuietAfterAnswerMs: round(median(contended.afterAnswerMs)),
      targetsQuietAfterAnswerRatio: round(median(contended.afterAnswerMs) / median(aloneAfterAnswerMs), 2),
      targetsBurstConvergeMs: round(median(contended.convergeMs)),
      targetsSlowestAnswerMs: round(contended.slowest),
    };
  } finally {
    await shared.stop();
    await alone.stop();
  }
}

/** One push, request sent → the clone's branch at it (read from its ref file), and → the 202. */
async function onePush(
  service: BenchTargets,
  id: string,
  message: string,
): Promise<{ movedMs: number; answerMs: number }> {
  const sha = await service.fixture(id).commitAndPush(message);
  const delivery = service.pushFor(id, sha);
  const started = performance.now();
  const answerMs = await service.deliver(id, delivery);
  await tipReaches(service.fixture(id).deploy, 'main', sha, 30_000);
  const movedMs = performance.now() - started;
  await settle(service);
  return { movedMs, answerMs };
}

async function contendedRound(service: BenchTargets, round: number) {
  // Everything pushed and signed before the clock starts.
  const burst = service.fixture('burst');
  const burstShas: string[] = [];
  for (let i = 0; i < BURST; i += 1) burstShas.push(await burst.commit(`burst ${round}.${i}`));
  await burst.push();
  const quietShas = await Promise.all(QUIET.map((id) => service.fixture(id).commitAndPush(`quiet ${round}`)));
  const burstDeliveries = burstShas.map((sha) => service.pushFor('burst', sha));
  const quietDeliveries = QUIET.map((id, i) => service.pushFor(id, quietShas[i]!));

  const started = performance.now();
  const burstAnswers = burstDeliveries.slice(0, BURST / 2).map((delivery) => service.deliver('burst', delivery));
  const quiet = QUIET.map(async (id, i) => {
    const sent = performance.now();
    const answerMs = await service.deliver(id, quietDeliveries[i]!);
    await tipReaches(service.fixture(id).deploy, 'main', quietShas[i]!, 60_000);
    return { movedMs: performance.now() - sent, answerMs };
  });
  burstAnswers.push(...burstDeliveries.slice(BURST / 2).map((delivery) => service.deliver('burst', delivery)));
  const converged = tipReaches(burst.deploy, 'main', burstShas.at(-1)!, 60_000).then(() => performance.now() - started);
  const quietResults = await Promise.all(quiet);
  const result = {
    quietMs: quietResults.map((q) => q.movedMs),
    answerMs: quietResults.map((q) => q.answerMs),
    convergeMs: await converged,
    slowestMs: Math.max(...(await Promise.all(burstAnswers))),
  };
  await settle(service);
  return result;
}

/** One deployment per target first, so that no measured push pays for a cold start. */
async function warmUp(service: BenchTargets, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    const sha = await service.fixture(id).commitAndPush(`warm-up ${id}`);
    await service.deliver(id, service.pushFor(id, sha));
    await tipReaches(service.fixture(id).deploy, 'main', sha, 30_000);
  }
  await settle(service);
}

/** Every deployment finished (checks, housekeeping), then a pause, as pushes come apart. */
async function settle(service: BenchTargets): Promise<void> {
  await until(async () => (await service.deployments()).every((d) => d.status === 'succeeded'), 60_000);
  await new Promise((done) => setTimeout(done, 100));
}
