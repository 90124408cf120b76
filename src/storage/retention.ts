import type { PreparedStatements } from './prepared-statements.js';
import type { Transactions } from './transactions.js';

/**
 * HISTORY_LIMIT, per target: each target keeps its newest `limit` deployments (with their
 * deliveries and logs) and its newest `limit` deliveries that joined no deployment
 * (pings, ignored, rejected). Per target, not in total, so that a busy target cannot push
 * a quiet one's history out. Queued and running deployments are never pruned.
 */
export class Retention {
  constructor(
    private readonly statements: PreparedStatements,
    private readonly transactions: Transactions,
  ) {}

  /** Prunes one target, in one transaction. Returns how many deployments went. */
  prune(target: string, limit: number): number {
    return this.transactions.atomically(() => {
      // Logs and the deployments' deliveries go with them (ON DELETE CASCADE).
      const { changes } = this.statements
        .sql(
          `DELETE FROM deployments WHERE target = @target AND status IN ('succeeded', 'failed')
             AND id <= (SELECT id FROM deployments WHERE target = @target ORDER BY id DESC LIMIT 1 OFFSET @limit)`,
        )
        .run({ target, limit });
      this.statements
        .sql(
          `DELETE FROM deliveries WHERE deployment_id IS NULL AND target = @target
             AND seq <= (SELECT seq FROM deliveries WHERE deployment_id IS NULL AND target = @target
                           ORDER BY seq DESC LIMIT 1 OFFSET @limit)`,
        )
        .run({ target, limit });
      return changes;
    });
  }

  /**
   * Prunes every target the database holds history of, in one transaction: targets
   * removed from the configuration included (their history is still shown and capped).
   */
  pruneAll(limit: number): number {
    return this.transactions.atomically(() =>
      this.targets().reduce((pruned, target) => pruned + this.prune(target, limit), 0),
    );
  }

  private targets(): string[] {
    return this.statements
      .sql('SELECT target FROM deployments UNION SELECT target FROM deliveries WHERE deployment_id IS NULL')
      .pluck()
      .all() as string[];
  }
}
