import type { PreparedStatements } from './prepared-statements.js';
import type { Transactions } from './transactions.js';

/**
 * How much one pruning transaction deletes at most: a few milliseconds on the event loop
 * each (a deployment takes its log and its deliveries with it, hence fewer of those).
 * One DELETE of a whole backlog (HISTORY_LIMIT lowered over a million journal rows) held
 * the loop for 12 s; in batches a delivery arriving meanwhile waits for one batch at most.
 */
export const PRUNE_BATCH = { deploymentRows: 100, journalRows: 1000 } as const;

/**
 * HISTORY_LIMIT, per target: each target keeps its newest `limit` deployments (with their
 * deliveries and logs) and its newest `limit` deliveries that joined no deployment
 * (pings, ignored, rejected). Per target, not in total, so that a busy target cannot push
 * a quiet one's history out. Queued and running deployments are never pruned.
 */
export class Retention {
  private stopped = false;

  constructor(
    private readonly statements: PreparedStatements,
    private readonly transactions: Transactions,
  ) {}

  /**
   * Prunes one target, oldest first, in transactions of at most PRUNE_BATCH rows with a
   * turn of the event loop between them. Returns how many deployments went.
   */
  async prune(target: string, limit: number): Promise<number> {
    let pruned = 0;
    while (!this.stopped) {
      const batch = this.pruneBatch(target, limit);
      pruned += batch.deployments;
      if (batch.deployments < PRUNE_BATCH.deploymentRows && batch.deliveries < PRUNE_BATCH.journalRows) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return pruned;
  }

  /** Prunes every target the database holds history of, removed ones included (their history is still shown and capped). */
  async pruneAll(limit: number): Promise<number> {
    let pruned = 0;
    for (const target of this.targets()) pruned += await this.prune(target, limit);
    return pruned;
  }

  /** At shutdown: a prune under way ends after its current batch (the next run finishes it). */
  stop(): void {
    this.stopped = true;
  }

  private pruneBatch(target: string, limit: number): { deployments: number; deliveries: number } {
    return this.transactions.atomically(() => {
      // Logs and the deployments' deliveries go with them (ON DELETE CASCADE).
      const deployments = this.statements
        .sql(
          `DELETE FROM deployments WHERE id IN (
             SELECT id FROM deployments WHERE target = @target AND status IN ('succeeded', 'failed')
               AND id <= (SELECT id FROM deployments WHERE target = @target ORDER BY id DESC LIMIT 1 OFFSET @limit)
             ORDER BY id LIMIT @batch)`,
        )
        .run({ target, limit, batch: PRUNE_BATCH.deploymentRows }).changes;
      const deliveries = this.statements
        .sql(
          `DELETE FROM deliveries WHERE seq IN (
             SELECT seq FROM deliveries WHERE deployment_id IS NULL AND target = @target
               AND seq <= (SELECT seq FROM deliveries WHERE deployment_id IS NULL AND target = @target
                             ORDER BY seq DESC LIMIT 1 OFFSET @limit)
             ORDER BY seq LIMIT @batch)`,
        )
        .run({ target, limit, batch: PRUNE_BATCH.journalRows }).changes;
      return { deployments, deliveries };
    });
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
