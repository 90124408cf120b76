import type { PreparedStatements } from './prepared-statements.js';
import type { Transactions } from './transactions.js';

/**
 * How much one pruning transaction deletes at most: a few milliseconds on the event loop
 * each (a deployment takes its log and its deliveries with it, hence fewer of those).
 * One DELETE of a whole backlog (HISTORY_LIMIT lowered over a million journal rows) held
 * the loop for 12 s; in batches a delivery arriving meanwhile waits for one batch at most.
 */
export const PRUNE_BATCH = { deploymentRows: 20, journalRows: 200 } as const;

/** Rows read per turn while finding where a target's limit falls (index entries: about a millisecond). */
const COUNT_PAGE = 1000;

/**
 * The rest between two batches: a delivery's answer waits for the fsync of the WAL, and
 * that fsync flushes whatever the prune wrote before it. Back to back, the batches kept
 * the disk busy and a ping's answer took 56 ms (median, 3 ms without the prune); resting
 * 10 ms after each few-ms batch leaves most of the disk to the deliveries.
 */
export const PRUNE_PAUSE_MS = 10;

type Table = 'deployments' | 'deliveries';

/** A page of a target's deployments, newest first, below an id. */
const PAGE_DEPLOYMENTS =
  'SELECT id FROM deployments WHERE target = @target AND id < @below ORDER BY id DESC LIMIT @page';

/** A page of a target's deliveries that joined no deployment, newest first, below a seq. */
const PAGE_DELIVERIES = `
  SELECT seq FROM deliveries WHERE deployment_id IS NULL AND target = @target AND seq < @below
    ORDER BY seq DESC LIMIT @page`;

/** A target's finished deployments beyond its limit, oldest first (RETURNING: where the next batch starts). */
const DELETE_DEPLOYMENTS = `
  DELETE FROM deployments WHERE id IN (
    SELECT id FROM deployments WHERE target = @target AND status IN ('succeeded', 'failed')
      AND id > @after AND id <= @upTo ORDER BY id LIMIT @batch)
  RETURNING id`;

/** A target's deliveries that joined no deployment, beyond its limit, oldest first. */
const DELETE_DELIVERIES = `
  DELETE FROM deliveries WHERE seq IN (
    SELECT seq FROM deliveries WHERE deployment_id IS NULL AND target = @target
      AND seq > @after AND seq <= @upTo ORDER BY seq LIMIT @batch)
  RETURNING seq`;

/**
 * HISTORY_LIMIT, per target: each target keeps its newest `limit` deployments (with their
 * deliveries and logs) and its newest `limit` deliveries that joined no deployment
 * (pings, ignored, rejected). Per target, not in total, so that a busy target cannot push
 * a quiet one's history out. Queued and running deployments are never pruned.
 */
export class Retention {
  private stopped = false;
  /** The prunes under way: shutdown waits for them before the database closes. */
  private readonly running = new Set<Promise<number>>();

  constructor(
    private readonly statements: PreparedStatements,
    private readonly transactions: Transactions,
  ) {}

  /**
   * Prunes one target, oldest first, in transactions of at most PRUNE_BATCH rows with a
   * turn of the event loop between them. Returns how many deployments went. What is
   * beyond the limit is settled once at the start (rows that arrive meanwhile are newer),
   * and each batch goes on after the last one's rows: no batch walks again over the rows
   * it keeps (the older deployments' deliveries, interleaved with the journal's).
   */
  prune(target: string, limit: number): Promise<number> {
    const run = this.pruneTarget(target, limit);
    this.running.add(run);
    void run.finally(() => this.running.delete(run)).catch(() => undefined);
    return run;
  }

  private async pruneTarget(target: string, limit: number): Promise<number> {
    const beyond = await this.beyondLimit(target, limit);
    const cursor = { deployments: 0, deliveries: 0 };
    let pruned = 0;
    while (!this.stopped && (beyond.deployments !== undefined || beyond.deliveries !== undefined)) {
      pruned += this.transactions.atomically(() => {
        // Logs and the deployments' deliveries go with them (ON DELETE CASCADE).
        const deployments = this.deleteBatch(DELETE_DEPLOYMENTS, target, beyond, cursor, 'deployments');
        this.deleteBatch(DELETE_DELIVERIES, target, beyond, cursor, 'deliveries');
        return deployments;
      });
      await new Promise((resolve) => setTimeout(resolve, PRUNE_PAUSE_MS));
    }
    return pruned;
  }

  /** Prunes every target the database holds history of, removed ones included (their history is still shown and capped). */
  async pruneAll(limit: number): Promise<number> {
    let pruned = 0;
    for (const target of this.targets()) pruned += await this.prune(target, limit);
    return pruned;
  }

  /** At shutdown: every prune under way ends after its current batch (the next start finishes it); resolves once they have. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.running]);
  }

  /**
   * The newest id (seq) of each table that is beyond the target's limit; undefined: none
   * is. Counted in pages, newest first, a turn of the event loop between them: one
   * `OFFSET @limit` walked every row of a target with less than HISTORY_LIMIT to prune
   * (100,000 rows with their table lookups: 0.1 s a target) in one go.
   */
  private async beyondLimit(target: string, limit: number): Promise<Partial<Record<Table, number>>> {
    return {
      deployments: await this.newestBeyond(PAGE_DEPLOYMENTS, target, limit),
      deliveries: await this.newestBeyond(PAGE_DELIVERIES, target, limit),
    };
  }

  private async newestBeyond(sql: string, target: string, limit: number): Promise<number | undefined> {
    let kept = 0;
    let below = Number.MAX_SAFE_INTEGER;
    while (!this.stopped) {
      const page = this.statements.sql(sql).pluck().all({ target, below, page: COUNT_PAGE }) as number[];
      if (kept + page.length > limit) return page[limit - kept];
      if (page.length < COUNT_PAGE) return undefined;
      kept += page.length;
      below = page.at(-1)!;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return undefined;
  }

  /** One batch of `table`'s rows beyond the limit, after the cursor; the table is done when the batch is short. */
  private deleteBatch(
    sql: string,
    target: string,
    beyond: Partial<Record<Table, number>>,
    cursor: Record<Table, number>,
    table: Table,
  ): number {
    const upTo = beyond[table];
    if (upTo === undefined) return 0;
    const batch = table === 'deployments' ? PRUNE_BATCH.deploymentRows : PRUNE_BATCH.journalRows;
    const deleted = this.statements.sql(sql).pluck().all({ target, after: cursor[table], upTo, batch }) as number[];
    if (deleted.length < batch) delete beyond[table];
    cursor[table] = Math.max(cursor[table], ...deleted);
    return deleted.length;
  }

  /**
   * The distinct targets, one index seek each (a skip scan of the per-target indexes):
   * `SELECT DISTINCT` read every row of the journal, 0.8 s on a million of them. A
   * delivery that joined a deployment has that deployment's target, so the journal's
   * targets are those of its rows that joined none, or already among the deployments'.
   */
  private targets(): string[] {
    return this.statements
      .sql(
        `WITH RECURSIVE
           d(target) AS (SELECT min(target) FROM deployments
                         UNION ALL SELECT (SELECT min(target) FROM deployments WHERE target > d.target) FROM d
                         WHERE d.target IS NOT NULL),
           j(target) AS (SELECT min(target) FROM deliveries
                         UNION ALL SELECT (SELECT min(target) FROM deliveries WHERE target > j.target) FROM j
                         WHERE j.target IS NOT NULL)
         SELECT target FROM d WHERE target IS NOT NULL UNION SELECT target FROM j WHERE target IS NOT NULL`,
      )
      .pluck()
      .all() as string[];
  }
}
