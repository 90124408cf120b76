/**
 * The cost of durable history: how long the built service takes to boot over a full
 * history (HISTORY_LIMIT deployments) against an empty one, and what one accepted
 * delivery's transaction costs on this disk. Medians over BENCH_RUNS runs; results in
 * bench/results/history.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TARGET_ID } from '../src/domain/target.js';
import { GroupCommit } from '../src/storage/group-commit.js';
import { createStores } from '../src/storage/stores.js';
import { WalSync } from '../src/storage/wal-sync.js';
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
  const { transactions, deployments, deliveries, logs } = createStores(db);
  for (let i = 0; i < STORED; i += 1) {
    transactions.atomically(() => {
      const sha = i.toString(16).padStart(40, '0');
      const { id } = deployments.create(DEFAULT_TARGET_ID, {
        trigger: 'push',
        ref: 'refs/heads/main',
        requestedSha: sha,
      });
      for (let d = 0; d <= i % 3; d += 1) {
        const receivedAt = new Date().toISOString();
        deliveries.record(DEFAULT_TARGET_ID, {
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
      deployments.update(id, { status: i % 10 === 0 ? 'failed' : 'succeeded', startedAt: now, finishedAt: now });
      logs.save(id, LOG);
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
 * delivery record, then the fsync of the WAL that must finish before the 202. Measures
 * the transaction (the event loop's share: synchronous=NORMAL) and the whole wait until
 * the delivery is durable (the fsync runs on the thread pool). One delivery at a time,
 * so no group commit helps: the worst case per delivery.
 */
async function acceptCosts(dataDir: string): Promise<Record<string, number>> {
  const db = openDatabase(dataDir);
  const { transactions, deployments, deliveries } = createStores(db);
  const commits = new GroupCommit(transactions, new WalSync(db));
  const transaction: number[] = [];
  const durable: number[] = [];
  for (let i = 0; i < TRANSACTIONS; i += 1) {
    const sha = i.toString(16).padStart(40, 'a');
    const receivedAt = new Date().toISOString();
    const accept = (): void => {
      const started = performance.now();
      if (deliveries.acceptedBy(DEFAULT_TARGET_ID, `bench-${i}`) !== undefined) return;
      const waiting = deployments.nextQueuedId(DEFAULT_TARGET_ID);
      if (waiting !== undefined) deployments.set(waiting, { requestedSha: sha });
      const deploymentId =
        waiting ??
        deployments.insert(DEFAULT_TARGET_ID, { trigger: 'push', ref: 'refs/heads/main', requestedSha: sha });
      const record = { id: `bench-${i}`, event: 'push', receivedAt, reason: null, sha };
      deliveries.record(DEFAULT_TARGET_ID, { ...record, outcome: 'queued', statusCode: 202, deploymentId });
      transaction.push(performance.now() - started);
    };
    const started = performance.now();
    await commits.run(accept);
    durable.push(performance.now() - started);
  }
  await commits.onApplicationShutdown();
  db.close();
  return {
    acceptTransactionUs: round(median(transaction) * 1000, 0),
    acceptDurableUs: round(median(durable) * 1000, 0),
  };
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
      runs.push({
        emptyBootMs: round(emptyBootMs, 0),
        fullBootMs: round(fullBootMs, 0),
        bootRatio: round(fullBootMs / emptyBootMs, 2),
        ...(await acceptCosts(join(root, `tx-${run}`))),
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

// BENCH_ONLY (see bench/run.ts) without `history`: nothing to do here.
const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim());
if (only === undefined || only.includes('history')) await main();
