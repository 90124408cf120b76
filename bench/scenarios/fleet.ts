import { deliver } from '../lib/deliver.js';
import { tipReaches } from '../lib/git-probe.js';
import { BenchService, directPullMs } from '../lib/service.js';
import { median, round } from '../lib/stats.js';
import { pushPayload, signedDelivery } from '../../test/fixtures/deliveries.js';
import { Fleet } from '../../test/fixtures/fleet.js';
import { RedisServer } from '../../test/fixtures/redis-server.js';

const PUSHES = 3;
const ANSWERS = 15;
const HOST_COUNTS = [1, 5, 20];

/**
 * Issue 13: a real hub, a real redis-server and N agents as separate processes on this
 * machine, each with its own clone of one origin. For each N: delivery sent → every
 * agent's branch at the pushed commit (parallel rollout), as a ratio to one direct
 * `git pull --rebase`; then the hub's answer time against a hub without Redis.
 */
export async function fleet(): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  for (const hosts of HOST_COUNTS) Object.assign(figures, await rollout(hosts));
  Object.assign(figures, await answerTimes());
  return figures;
}

async function rollout(count: number): Promise<Record<string, number>> {
  const redis = await RedisServer.start();
  const fleet = await Fleet.create(redis);
  try {
    const hosts = Array.from({ length: count }, (_, index) => `web-${index + 1}`);
    await fleet.startHub({ hosts });
    // Four at a time: twenty Node processes booting at once on two cores starve each other.
    const agents = [];
    for (let first = 0; first < hosts.length; first += 4) {
      agents.push(...(await Promise.all(hosts.slice(first, first + 4).map((host) => fleet.addAgent(host)))));
    }
    const mirror = await fleet.git.clone('bench-mirror');
    const ratios: number[] = [];
    const times: number[] = [];
    const directs: number[] = [];
    for (let push = 0; push < PUSHES; push += 1) {
      const sha = await fleet.git.commitAndPush(`fleet ${push}`);
      const started = performance.now();
      await fleet.deliver(sha);
      await Promise.all(agents.map((agent) => tipReaches(agent.workTree, 'main', sha, 120_000)));
      const fleetMs = performance.now() - started;
      const directMs = await directPullMs(mirror, 'main');
      times.push(fleetMs);
      directs.push(directMs);
      ratios.push(fleetMs / directMs);
      // The hub records the rollout's end before the next push, as pushes come apart.
      await new Promise((done) => setTimeout(done, 500));
    }
    return {
      [`fleet${count}Ms`]: round(median(times)),
      [`fleet${count}DirectPullMs`]: round(median(directs)),
      [`fleet${count}Ratio`]: round(median(ratios), 2),
    };
  } finally {
    await fleet.remove();
    await redis.remove();
  }
}

/** The 202's time on a fleet hub (host rows written, nothing sent to Redis on the request path) and on a plain one. */
async function answerTimes(): Promise<Record<string, number>> {
  const redis = await RedisServer.start();
  const fleet = await Fleet.create(redis);
  const plain = await BenchService.start();
  try {
    await fleet.startHub({ hosts: ['web-1'] });
    await fleet.addAgent('web-1');
    const fleetMs: number[] = [];
    const plainMs: number[] = [];
    for (let n = 0; n < ANSWERS; n += 1) {
      const sha = await fleet.git.commitAndPush(`answer ${n}`);
      const { headers, body } = signedDelivery(pushPayload({ after: sha }), { secret: 'fleet-test-secret' });
      fleetMs.push(await deliver(`${fleet.hubUrl}/hooks/site`, { headers, body }));
      const plainSha = await plain.fixture.commitAndPush(`answer ${n}`);
      plainMs.push(await plain.deliver(BenchService.pushFor(plainSha)));
      await new Promise((done) => setTimeout(done, 300));
    }
    const fleetAnswer = median(fleetMs);
    const plainAnswer = median(plainMs);
    return {
      fleetAnswerMs: round(fleetAnswer, 2),
      plainAnswerMs: round(plainAnswer, 2),
      fleetExtraAnswerMs: round(fleetAnswer - plainAnswer, 2),
    };
  } finally {
    await plain.stop();
    await fleet.remove();
    await redis.remove();
  }
}
