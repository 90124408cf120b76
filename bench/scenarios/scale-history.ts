import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PING_EXAMPLE, signedDelivery } from '../../test/fixtures/deliveries.js';
import { DATABASE_FILE } from '../../src/storage/open-database.js';
import { percentile, postDelivery, timeGets, type Answer } from '../lib/http-timing.js';
import { BIG_HISTORY, seedHistory } from '../lib/seed-history.js';
import { round } from '../lib/stats.js';
import { TargetFarm } from '../lib/target-farm.js';
import { bootTimed, type BootedService } from '../lib/timed-boot.js';

const TARGETS = 10;
/** HISTORY_LIMIT's maximum: nothing of the seeded history is beyond it (10,000 deployments a target). */
const KEEP_ALL = '1000000';
/** The default HISTORY_LIMIT: on the seeded file, 90% of the deployments and 99% of the journal go. */
const PRUNE_TO = '1000';
const GETS = 300;
const ROUND = 50;
const PING_GAP_MS = 10;
/** How long the pings go on after the prune, as the control. */
const CONTROL_MS = 5000;

/** The four lists issue 12 names, newest first, 50 a page (the dashboard's page). */
const LISTS = {
  Deployments: '/deployments?limit=50',
  Deliveries: '/deliveries?limit=50',
  DeploymentsOfTarget: '/deployments?limit=50&target=t3',
  DeliveriesOfTarget: '/deliveries?limit=50&target=t3',
  // Not in the issue: the dashboard's poll, without the logs (one write instead of one per item).
  DeploymentsNoLog: '/deployments?limit=50&log=false',
} as const;

/**
 * Issue 12, "How the cost grows": a history of 100,000 deployments and 1,000,000
 * deliveries over 10 targets (seedHistory). The boot over it (against an empty file), the
 * p99 of the four lists (against the same shape at 1%, side by side), and HISTORY_LIMIT=1000 pruning that backlog: how long until the
 * webhook answers, and how slow a signed ping gets while the prune runs.
 */
export async function scaleHistory(): Promise<Record<string, number>> {
  const root = await mkdtemp(join(tmpdir(), 'hookdeploy-bench-scale-history-'));
  try {
    const farm = await TargetFarm.create(root, TARGETS);
    const config = await farm.writeConfig('history.yml');
    const seeded = join(root, 'seeded');
    const seedStarted = performance.now();
    seedHistory(seeded, { targets: farm.targets.map((target) => target.id), ...BIG_HISTORY });
    const figures: Record<string, number> = { historySeedMs: round(performance.now() - seedStarted, 0) };

    const empty = await bootTimed(
      { HOOKDEPLOY_CONFIG: config, DATA_DIR: join(root, 'empty'), HISTORY_LIMIT: KEEP_ALL },
      root,
    );
    figures.historyEmptyBootMs = round(empty.bootMs, 0);
    await empty.stop();

    // The control: the same shape at 1% (1,000 deployments, 10,000 deliveries), served side by side.
    const seededSmall = join(root, 'seeded-small');
    seedHistory(seededSmall, {
      targets: farm.targets.map((target) => target.id),
      deployments: BIG_HISTORY.deployments / 100,
      deliveries: BIG_HISTORY.deliveries / 100,
    });
    const small = await bootTimed(
      { HOOKDEPLOY_CONFIG: config, DATA_DIR: await copyOf(seededSmall, root, 'small'), HISTORY_LIMIT: KEEP_ALL },
      root,
    );
    try {
      figures.historySmallBootMs = round(small.bootMs, 0);
      const full = await bootTimed(
        { HOOKDEPLOY_CONFIG: config, DATA_DIR: await copyOf(seeded, root, 'full'), HISTORY_LIMIT: KEEP_ALL },
        root,
      );
      try {
        figures.historyBootMs = round(full.bootMs, 0);
        Object.assign(figures, await pairedListTimes(full, small));
      } finally {
        await full.stop();
      }
    } finally {
      await small.stop();
    }

    Object.assign(figures, await pruneBacklog(farm, config, await copyOf(seeded, root, 'prune'), root));
    figures.historyPruneBootExtraMs = round(figures.historyPruneBootMs! - figures.historyBootMs, 0);
    return figures;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function copyOf(seeded: string, root: string, name: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await copyFile(join(seeded, DATABASE_FILE), join(dir, DATABASE_FILE));
  return dir;
}

/**
 * Each list on the big history and on the control, in alternating rounds of 50 GETs (300
 * each in all): a change in the machine's load hits both alike, so what differs is the size.
 */
async function pairedListTimes(big: BootedService, small: BootedService): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  for (const [name, path] of Object.entries(LISTS)) {
    const times = { big: [] as number[], small: [] as number[] };
    await timeGets(`${big.base}${path}`, 20);
    await timeGets(`${small.base}${path}`, 20);
    for (let round = 0; round < GETS / ROUND; round += 1) {
      times.big.push(...(await timeGets(`${big.base}${path}`, ROUND)));
      times.small.push(...(await timeGets(`${small.base}${path}`, ROUND)));
    }
    figures[`history${name}P50Ms`] = round(percentile(times.big, 50), 2);
    figures[`history${name}P99Ms`] = round(percentile(times.big, 99), 2);
    figures[`historySmall${name}P50Ms`] = round(percentile(times.small, 50), 2);
    figures[`historySmall${name}P99Ms`] = round(percentile(times.small, 99), 2);
  }
  return figures;
}

/** p99 (and median) of each list over GETS requests, after a warm-up of 20. */
async function listTimes(service: BootedService, prefix: string): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  for (const [name, path] of Object.entries(LISTS)) {
    await timeGets(`${service.base}${path}`, 20);
    const times = await timeGets(`${service.base}${path}`, GETS);
    figures[`${prefix}${name}P50Ms`] = round(percentile(times, 50), 2);
    figures[`${prefix}${name}P99Ms`] = round(percentile(times, 99), 2);
  }
  return figures;
}

/**
 * Boots over the seeded file with HISTORY_LIMIT=1000, a signed ping to t1 every 10 ms
 * (one at a time, each on its own connection, as GitHub sends them) from the spawn until
 * the service logged the end of the prune, then 5 s more as the control. A ping sent while the event
 * loop is held by a delete waits for it: the slowest answer is the pause the forge sees.
 */
async function pruneBacklog(
  farm: TargetFarm,
  config: string,
  dataDir: string,
  root: string,
): Promise<Record<string, number>> {
  const t1 = farm.target('t1');
  const answers: (Answer & { sentAt: number })[] = [];
  let port = 0;
  let stopPinging = false;
  const spawnedAt = performance.now();
  const pinger = (async () => {
    while (!stopPinging) {
      if (port !== 0) {
        const sentAt = performance.now();
        const ping = signedDelivery(PING_EXAMPLE, { event: 'ping', secret: t1.secret });
        answers.push({ sentAt, ...(await postDelivery(`http://127.0.0.1:${port}/hooks/t1`, ping)) });
      }
      await new Promise((done) => setTimeout(done, port === 0 ? 1 : PING_GAP_MS));
    }
  })();
  const service = await bootTimed({ HOOKDEPLOY_CONFIG: config, DATA_DIR: dataDir, HISTORY_LIMIT: PRUNE_TO }, root);
  const listeningAt = spawnedAt + service.bootMs;
  try {
    port = Number(new URL(service.base).port);
    const pruned = await service.process.waitForLine(/history: pruned \d+ deployment/, 300_000);
    const prunedAt = performance.now();
    // The same pings once the prune is over: what this machine's noise alone gives.
    await new Promise((done) => setTimeout(done, CONTROL_MS));
    stopPinging = true;
    await pinger;
    const during = answers.filter((answer) => answer.sentAt <= prunedAt).map((answer) => answer.ms);
    const after = answers.filter((answer) => answer.sentAt > prunedAt + 100).map((answer) => answer.ms);
    const failed = answers.filter((answer) => answer.status !== 200);
    if (failed.length > 0) throw new Error(`${failed.length} ping(s) not answered 200: ${failed[0]!.status}`);
    const figures: Record<string, number> = {
      historyPruneBootMs: round(service.bootMs, 0),
      // Listening → the prune's log line; 0 when it ended before the service listened.
      historyPruneAfterListenMs: round(Math.max(0, prunedAt - listeningAt), 0),
      historyPrunePingsDuring: during.length,
      historyPrunePingP50Ms: round(percentile(during, 50), 1),
      historyPrunePingP99Ms: round(percentile(during, 99), 1),
      historyPruneSlowestPingMs: round(Math.max(...during), 1),
      historyAfterPrunePingP50Ms: round(percentile(after, 50), 1),
      historyAfterPrunePingP99Ms: round(percentile(after, 99), 1),
      historyAfterPruneSlowestPingMs: round(Math.max(...after), 1),
      historyPrunedDeployments: Number(/pruned (\d+)/.exec(pruned[0])![1]),
    };
    return { ...figures, ...(await listTimes(service, 'historyPruned')) };
  } finally {
    stopPinging = true;
    await pinger;
    await service.stop();
  }
}
