/**
 * The cost of durable history: how long the built service takes to boot over a full
 * history (HISTORY_LIMIT deployments) against an empty one, and what one accepted
 * delivery's transaction costs on this disk. Medians over BENCH_RUNS runs; results in
 * bench/results/history.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeploymentStore } from '../src/deploy/deployment.store.js';
import { openDatabase } from '../src/storage/open-database.js';
import { GitFixture } from '../test/fixtures/git-fixture.js';
import { ServiceProcess } from '../test/fixtures/service-process.js';
import { median, round } from './lib/stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const STORED = 1000;
/** A plausible build log: 20 KB (npm ci + a build), so the file holds about 20 MB. */
const LOG = 'npm notice: a line of build output that is about eighty characters long, give or take\n'.repeat(240);
const TRANSACTIONS = 300;

/** A history like a year of pushes: finished deployments of 1–3 deliveries with their logs. */
function seed(dataDir: string): void {
  const db = openDatabase(dataDir);
  const store = new DeploymentStore(db);
  for (let i = 0; i < STORED; i += 1) {
    store.atomically(() => {
      const sha = i.toString(16).padStart(40, '0');
      const { id } = store.create({ trigger: 'push', ref: 'refs/heads/main', requestedSha: sha });
      for (let d = 0; d <= i % 3; d += 1) {
        const receivedAt = new Date().toISOString();
        store.recordDelivery({
          id: `seed-${i}-${d}`,
          event: 'push',
          receivedAt,
          outcome: 'queued',
          reason: null,
          statusCode: 202,
          sha,
          deploymentId: id,
        });
      }
      const now = new Date().toISOString();
      store.update(id, { status: i % 10 === 0 ? 'failed' : 'succeeded', startedAt: now, finishedAt: now });
      store.saveLog(id, LOG);
    });
  }
  db.close();
}

/** Spawn to the "listening on" line: what a restart costs before GitHub is answered again. */
async function bootMs(fixture: GitFixture, dataDir: string): Promise<number> {
  const started = performance.now();
  const service = ServiceProcess.start(
    { GITHUB_SECRET: 'bench', REPO_PATH: fixture.deploy, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir },
    fixture.root,
  );
  try {
    await service.port();
    return performance.now() - started;
  } finally {
    service.child.kill('SIGTERM');
    await service.exitCode();
  }
}

/**
 * One accepted delivery's persistence, as DeployQueue.accept does it: in one transaction,
 * the duplicate check, the waiting-deployment lookup, a new or updated deployment and the
 * delivery record; committed with synchronous=FULL (an fsync) before the 202.
 */
function acceptTransactionUs(dataDir: string): { acceptUs: number; journalUs: number } {
  const db = openDatabase(dataDir);
  const store = new DeploymentStore(db);
  const accept: number[] = [];
  const journal: number[] = [];
  for (let i = 0; i < TRANSACTIONS; i += 1) {
    const sha = i.toString(16).padStart(40, 'a');
    const receivedAt = new Date().toISOString();
    let started = performance.now();
    store.atomically(() => {
      if (store.findByDelivery(`bench-${i}`)) return;
      const waiting = store.nextQueued();
      const deploymentId = waiting
        ? store.update(waiting.id, { requestedSha: sha }).id
        : store.create({ trigger: 'push', ref: 'refs/heads/main', requestedSha: sha }).id;
      store.recordDelivery({
        id: `bench-${i}`,
        event: 'push',
        receivedAt,
        outcome: 'queued',
        reason: null,
        statusCode: 202,
        sha,
        deploymentId,
      });
    });
    accept.push(performance.now() - started);
    started = performance.now();
    store.recordDelivery({
      id: `ping-${i}`,
      event: 'ping',
      receivedAt,
      outcome: 'pong',
      reason: null,
      statusCode: 200,
      sha: null,
      deploymentId: null,
    });
    journal.push(performance.now() - started);
  }
  db.close();
  return { acceptUs: round(median(accept) * 1000, 0), journalUs: round(median(journal) * 1000, 0) };
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'hookdeploy-bench-history-'));
  const fixture = await GitFixture.create();
  const runs: Record<string, number>[] = [];
  try {
    const full = join(root, 'full');
    const seedStarted = performance.now();
    seed(full);
    process.stdout.write(`seeded ${STORED} deployments in ${round(performance.now() - seedStarted, 0)} ms\n`);
    for (let run = 1; run <= RUNS; run += 1) {
      const empty = join(root, `empty-${run}`);
      const emptyBootMs = await bootMs(fixture, empty);
      const fullBootMs = await bootMs(fixture, full);
      const { acceptUs, journalUs } = acceptTransactionUs(join(root, `tx-${run}`));
      runs.push({
        emptyBootMs: round(emptyBootMs, 0),
        fullBootMs: round(fullBootMs, 0),
        bootRatio: round(fullBootMs / emptyBootMs, 2),
        acceptTransactionUs: acceptUs,
        journalWriteUs: journalUs,
      });
      process.stdout.write(`run ${run}/${RUNS} done\n`);
    }
  } finally {
    await fixture.remove();
    await rm(root, { recursive: true, force: true });
  }
  const medians = Object.fromEntries(Object.keys(runs[0]!).map((key) => [key, median(runs.map((r) => r[key]!))]));
  console.table(medians);
  await mkdir('bench/results', { recursive: true });
  await writeFile(
    'bench/results/history.json',
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, stored: STORED, runs, medians }, null, 2)}\n`,
  );
  process.stdout.write('written to bench/results/history.json\n');
}

await main();
