import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pushPayload, signedDelivery, type SignedRequest } from '../../test/fixtures/deliveries.js';
import { git } from '../../test/fixtures/git-fixture.js';
import { sign } from '../../src/webhook/verify-signature.js';
import { DATABASE_FILE } from '../../src/storage/open-database.js';
import { percentile, postDelivery } from '../lib/http-timing.js';
import { round, until } from '../lib/stats.js';
import { TargetFarm } from '../lib/target-farm.js';
import { bootTimed, type BootedService } from '../lib/timed-boot.js';
import { TOKEN } from '../lib/service.js';

/** Connections sending at once, each one delivery after another on a kept-alive connection. */
const CONCURRENCY = [1, 10, 50, 200] as const;
/** How long each level sends (after a warm-up of 300 deliveries). */
const LEVEL_MS = 3000;
/** Deliveries signed per level before its clock starts: more than the service takes in LEVEL_MS. */
const POOL = 12_000;

/**
 * Issue 12, "How the cost grows": the durable accept rate. One target whose deploy
 * command waits (the first push starts it, so no other git runs and every following push
 * joins the one waiting deployment); then signed pushes to distinct commits, each with its
 * own delivery id, over 1, 10, 50 and 200 connections for 3 s each: answered 202 per second
 * (each 202 is on disk before it is sent), its latency, and the service's CPU time per
 * second of the run (100 = one core: the event loop is the bottleneck), the sender's, and
 * the fsyncs of the WAL (bench/lib/fsync-probe.mjs: how many, how long, how many
 * deliveries each made durable: the group commit at work). Afterwards the
 * database is read: every 202 must be a `queued` row of that one waiting deployment.
 */
export async function scaleAccept(): Promise<Record<string, number>> {
  const root = await mkdtemp(join(tmpdir(), 'hookdeploy-bench-scale-accept-'));
  const release = join(root, 'release-the-deploy');
  let service: BootedService | undefined;
  try {
    const farm = await TargetFarm.create(root, 1);
    // The deploy ends when the bench says so (or after 10 minutes): `timeout: 600` kills it anyway.
    const config = await farm.writeConfig('accept.yml', 1, [
      `command: ${JSON.stringify(`i=0; while [ ! -e '${release}' ] && [ $i -lt 6000 ]; do sleep 0.1; i=$((i+1)); done`)}`,
      'timeout: 600',
    ]);
    const dataDir = join(root, 'data');
    const probe = join(root, 'fsyncs.json');
    service = await bootTimed({ HOOKDEPLOY_CONFIG: config, DATA_DIR: dataDir, FSYNC_PROBE_OUT: probe }, root, 120_000, [
      '--import',
      fileURLToPath(new URL('../lib/fsync-probe.mjs', import.meta.url)),
    ]);
    const { secret } = farm.target('t1');
    const url = `${service.base}/hooks/t1`;
    // The first push is the commit the work tree is on: its deploy gets to the command, which waits.
    const head = await git(farm.origin, 'rev-parse', 'refs/heads/main');
    const first = await postDelivery(url, signedDelivery(pushPayload({ after: head }), { secret }), false);
    if (first.status !== 202) throw new Error(`the first push answered ${first.status}`);
    await until(async () => (await statuses(service!)).includes('running'), 30_000);

    const figures: Record<string, number> = {};
    let accepted = 1;
    for (const connections of CONCURRENCY) {
      const level = await sendLevel(service, url, secret, connections, accepted, probe);
      accepted += level.accepted;
      figures[`acceptC${connections}Rps`] = level.rps;
      figures[`acceptC${connections}P50Ms`] = level.p50;
      figures[`acceptC${connections}P99Ms`] = level.p99;
      figures[`acceptC${connections}CpuPct`] = level.cpuPct;
      figures[`acceptC${connections}ClientCpuPct`] = level.clientCpuPct;
      figures[`acceptC${connections}FsyncsPerS`] = level.fsyncsPerS;
      figures[`acceptC${connections}FsyncMeanMs`] = level.fsyncMeanMs;
      figures[`acceptC${connections}DeliveriesPerFsync`] = level.deliveriesPerFsync;
      figures[`acceptC${connections}FsyncsInFlightMax`] = level.fsyncsInFlightMax;
    }
    figures.acceptPeakRps = Math.max(...CONCURRENCY.map((c) => figures[`acceptC${c}Rps`]!));
    await checkRecorded(dataDir, accepted).catch((e) => {
      console.log(
        service!.process
          .text()
          .split('\n')
          .filter((l) => !/Mapped|Instance|Routes/.test(l))
          .slice(0, 30)
          .join('\n'),
      );
      throw e;
    });
    await writeFile(release, '');
    return figures;
  } finally {
    await writeFile(release, '').catch(() => undefined);
    await service?.stop();
    await rm(root, { recursive: true, force: true });
  }
}

/** A push to t1's branch for a commit of its own, as GitHub signs it (the sha need not exist: nothing fetches it meanwhile). */
function signedPush(secret: string, n: number, template = pushTemplate()): SignedRequest {
  const body = template.replace('__AFTER__', n.toString(16).padStart(40, 'c'));
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': sign(secret, body),
      'user-agent': 'GitHub-Hookshot/bench',
    },
  };
}

function pushTemplate(): string {
  return JSON.stringify(pushPayload({ after: '__AFTER__' }));
}

async function sendLevel(
  service: BootedService,
  url: string,
  secret: string,
  connections: number,
  sent: number,
  probe: string,
): Promise<LevelFigures> {
  const template = pushTemplate();
  const pool = Array.from({ length: POOL }, (_, i) => signedPush(secret, sent + i + 1, template));
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  let next = 0;
  let accepted = 0;
  const times: number[] = [];
  const send = async (until: () => boolean, record: boolean): Promise<void> => {
    while (!until() && next < pool.length) {
      const answer = await postDelivery(url, pool[next++]!, agent);
      if (answer.status !== 202) throw new Error(`a push answered ${answer.status}`);
      accepted += 1;
      if (record) times.push(answer.ms);
    }
  };
  try {
    // Warm-up: the connections opened, the code paths compiled.
    const warm = next + 300;
    await Promise.all(Array.from({ length: connections }, () => send(() => next >= warm, false)));
    await new Promise((done) => setTimeout(done, 300)); // the probe's file written after the warm-up
    const fsyncsBefore = await fsyncs(probe);
    const cpuBefore = await cpuMs(service.process.child.pid!);
    const clientBefore = process.cpuUsage();
    const started = performance.now();
    const deadline = started + LEVEL_MS;
    await Promise.all(Array.from({ length: connections }, () => send(() => performance.now() >= deadline, true)));
    const elapsed = performance.now() - started;
    if (next >= pool.length) throw new Error(`the pool of ${POOL} ran out: raise POOL`);
    const cpu = (await cpuMs(service.process.child.pid!)) - cpuBefore;
    const client = process.cpuUsage(clientBefore);
    await new Promise((done) => setTimeout(done, 300));
    const fsyncsAfter = await fsyncs(probe);
    const count = fsyncsAfter.count - fsyncsBefore.count;
    return {
      fsyncsPerS: Math.round((count * 1000) / elapsed),
      fsyncMeanMs: round((fsyncsAfter.totalMs - fsyncsBefore.totalMs) / count, 2),
      deliveriesPerFsync: round(times.length / count, 2),
      fsyncsInFlightMax: fsyncsAfter.maxInFlight,
      accepted,
      rps: Math.round((times.length * 1000) / elapsed),
      p50: round(percentile(times, 50), 2),
      p99: round(percentile(times, 99), 2),
      cpuPct: Math.round((cpu / elapsed) * 100),
      // The sender shares the two cores: what it takes is not the service's.
      clientCpuPct: Math.round(((client.user + client.system) / 1000 / elapsed) * 100),
    };
  } finally {
    agent.destroy();
  }
}

interface LevelFigures {
  accepted: number;
  rps: number;
  p50: number;
  p99: number;
  cpuPct: number;
  clientCpuPct: number;
  fsyncsPerS: number;
  fsyncMeanMs: number;
  deliveriesPerFsync: number;
  fsyncsInFlightMax: number;
}

interface FsyncTotals {
  count: number;
  totalMs: number;
  maxInFlight: number;
}

/** The fsync probe's running totals (bench/lib/fsync-probe.mjs). */
async function fsyncs(probe: string): Promise<FsyncTotals> {
  return JSON.parse(await readFile(probe, 'utf8')) as FsyncTotals;
}

/** User + system CPU time of a process so far, in ms (Linux /proc, clock ticks of 10 ms). */
async function cpuMs(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function statuses(service: BootedService): Promise<string[]> {
  const res = await fetch(`${service.base}/deployments?log=false&limit=10`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return ((await res.json()) as { status: string }[]).map((d) => d.status);
}

/** Every 202 is a `queued` row on disk, and all but the first joined the one waiting deployment. */
async function checkRecorded(dataDir: string, accepted: number): Promise<void> {
  const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
  try {
    const queued = db.prepare(`SELECT count(*) FROM deliveries WHERE outcome = 'queued'`).pluck().get() as number;
    const deployments = db.prepare('SELECT count(*) FROM deployments').pluck().get() as number;
    if (queued !== accepted) throw new Error(`${accepted} pushes answered 202, ${queued} recorded`);
    if (deployments !== 2) throw new Error(`expected the running and one waiting deployment, found ${deployments}`);
  } finally {
    db.close();
  }
}
