import { afterEach, beforeEach, expect, it, jest } from '@jest/globals';
import { DEFAULT_TARGET_ID } from '../domain/target.js';
import { delivery, push, TestStores } from '../../test/fixtures/stores.js';
import { PreparedStatements } from './prepared-statements.js';
import { PRUNE_BATCH } from './retention.js';

/**
 * HISTORY_LIMIT on a big backlog (a million journal rows, the limit lowered): one
 * DELETE of it all held the event loop for seconds, before the server listened at boot
 * and every 10 minutes after. Pruning goes in bounded transactions, the event loop
 * running between them, and finds the targets without reading the journal.
 */
const T = DEFAULT_TARGET_ID;
let s: TestStores;

beforeEach(() => {
  s = new TestStores();
});
afterEach(() => s.close());

const count = (sql: string): number => s.db.prepare(sql).pluck().get() as number;
const deployments = (): number => count('SELECT count(*) FROM deployments');
const unattached = (): number => count('SELECT count(*) FROM deliveries WHERE deployment_id IS NULL');

/** `n` finished deployments of T, each with its accepted delivery, and `n` pings. */
function backlog(n: number): void {
  s.stores.transactions.atomically(() => {
    for (let i = 0; i < n; i += 1) {
      const { id } = s.stores.deployments.create(T, push());
      s.stores.deliveries.record(T, delivery(`d${id}`, 'queued', id));
      s.stores.deployments.update(id, { status: 'succeeded' });
      s.stores.deliveries.record(T, delivery(`p${i}`, 'pong', null));
    }
  });
}

/** What the database holds at each turn of the event loop, from before `work` starts until it ends. */
async function everyTurn<T>(work: () => Promise<T>): Promise<{ result: T; seen: [number, number][] }> {
  const seen: [number, number][] = [];
  let done = false;
  const look = (): void => {
    seen.push([deployments(), unattached()]);
    if (!done) setImmediate(look);
  };
  setImmediate(look);
  // Started in the turn after the first look, so that every batch is seen apart.
  const result = await new Promise((resolve) => setImmediate(resolve)).then(work);
  done = true;
  await new Promise((resolve) => setImmediate(resolve));
  return { result, seen };
}

it('prunes a backlog in transactions of at most PRUNE_BATCH rows each, the event loop running between them', async () => {
  const { deploymentRows, journalRows } = PRUNE_BATCH;
  const n = 2 * Math.max(deploymentRows, journalRows) + 7;
  backlog(n);
  const { result, seen } = await everyTurn(async () => s.stores.retention.prune(T, 3));
  expect(result).toBe(n - 3);
  expect([deployments(), unattached()]).toEqual([3, 3]);
  // Seen half way: the loop turned while rows beyond the limit were still there.
  expect(seen.some(([d, u]) => d > 3 || u > 3)).toBe(true);
  expect(seen[0]).toEqual([n, n]);
  for (let i = 1; i < seen.length; i += 1) {
    expect(seen[i - 1]![0] - seen[i]![0]).toBeLessThanOrEqual(deploymentRows);
    expect(seen[i - 1]![1] - seen[i]![1]).toBeLessThanOrEqual(journalRows);
  }
});

it('pruneAll finds the targets through their indexes, without reading every row of the journal', async () => {
  backlog(5);
  s.stores.deliveries.record('gone', delivery('g1', 'ignored', null));
  const sql = jest.spyOn(PreparedStatements.prototype, 'sql');
  try {
    expect(await s.stores.retention.pruneAll(2)).toBe(3);
    // The lookup of the targets, the one statement that unites the two tables (the rest is per target).
    const lookups = sql.mock.calls.map(([text]) => text).filter((text) => /\bUNION\b/.test(text));
    expect(lookups).toHaveLength(1);
    const plan = (s.db.prepare(`EXPLAIN QUERY PLAN ${lookups[0]}`).all() as { detail: string }[]).map(
      (row) => row.detail,
    );
    // Neither a scan of a table or an index, nor the rows of the journal that joined no deployment.
    expect(plan.filter((step) => /^SCAN (deployments|deliveries)\b|\(deployment_id=\?\)/.test(step))).toEqual([]);
  } finally {
    sql.mockRestore();
  }
  expect(s.db.prepare('SELECT delivery_id FROM deliveries WHERE target = ?').pluck().all('gone')).toEqual(['g1']);
});

it('stop() ends a prune under way after its current batch, and resolves once it has (shutdown, before the database closes)', async () => {
  backlog(3 * PRUNE_BATCH.journalRows);
  let pruned: number | undefined;
  const run = s.stores.retention.prune(T, 1).then((n) => (pruned = n));
  await new Promise((resolve) => setImmediate(resolve));
  await s.stores.retention.stop();
  expect(pruned).toBeDefined();
  const left = [deployments(), unattached()];
  expect(left[0]).toBeGreaterThan(1);
  await run;
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect([deployments(), unattached()]).toEqual(left);
});
