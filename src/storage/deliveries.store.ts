import type { DeliveryQuery, NewDelivery, StoredDelivery } from '../domain/delivery-record.js';
import type { PreparedStatements } from './prepared-statements.js';
import type { StatusNotifier } from './status-notifier.js';
import { whereGiven } from './where-given.js';

/**
 * The journal: every delivery that passed the signature check, per target, with what
 * hookdeploy answered. Deduplication is the database's: a unique index refuses a second
 * accepted (`queued`) row of the same delivery id on the same target.
 */
export class DeliveriesStore {
  constructor(
    private readonly statements: PreparedStatements,
    private readonly notifier: StatusNotifier,
  ) {}

  /** Records a delivery; an accepted one (`queued`) joins its deployment's `deliveries`. Only the first duplicate of an id is kept. */
  record(target: string, delivery: NewDelivery): void {
    // One `duplicate` row per id: the rows of a deployment outlive the journal's cap, and
    // a replayed signed delivery must not grow them without bound.
    this.statements
      .sql(
        `INSERT INTO deliveries (target, delivery_id, event, received_at, outcome, reason, status_code, sha, deployment_id)
           SELECT @target, @id, @event, @receivedAt, @outcome, @reason, @statusCode, @sha, @deploymentId
           WHERE @outcome <> 'duplicate' OR NOT EXISTS (
             SELECT 1 FROM deliveries WHERE target = @target AND delivery_id = @id AND outcome = 'duplicate')`,
      )
      .run({ ...delivery, target });
    if (delivery.outcome === 'queued' && delivery.deploymentId !== null) this.notifier.changed(delivery.deploymentId);
  }

  /** The journal, newest first; every target's when the query names none. */
  list(query: DeliveryQuery): StoredDelivery[] {
    const { where, values } = whereGiven({
      target: ['target = @target', query.target],
      outcome: ['outcome = @outcome', query.outcome],
      before: ['seq < @before', query.before],
    });
    return this.statements
      .sql(
        `SELECT seq, target, delivery_id AS id, event, received_at AS receivedAt, outcome, reason,
                status_code AS statusCode, sha, deployment_id AS deploymentId
         FROM deliveries ${where} ORDER BY seq DESC LIMIT @limit`,
      )
      .all({ ...values, limit: query.limit }) as StoredDelivery[];
  }

  /** The id of the deployment that accepted this delivery id on this target, if any. */
  acceptedBy(target: string, deliveryId: string): number | undefined {
    const row = this.statements
      .sql(`SELECT deployment_id AS id FROM deliveries WHERE target = ? AND delivery_id = ? AND outcome = 'queued'`)
      .get(target, deliveryId) as { id: number | null } | undefined;
    return row?.id ?? undefined;
  }

  /** The distinct commits the deployment's accepted deliveries pushed. */
  requestedCommits(deploymentId: number): string[] {
    const rows = this.statements
      .sql("SELECT DISTINCT sha FROM deliveries WHERE deployment_id = ? AND outcome = 'queued' AND sha IS NOT NULL")
      .all(deploymentId) as { sha: string }[];
    return rows.map((row) => row.sha);
  }

  /** The target's newest accepted push: its `after` and the deployment it joined. */
  newestAcceptedPush(target: string): { sha: string; deploymentId: number } | undefined {
    return this.statements
      .sql(
        `SELECT sha, deployment_id AS deploymentId FROM deliveries
           WHERE target = ? AND outcome = 'queued' AND sha IS NOT NULL AND deployment_id IS NOT NULL
           ORDER BY seq DESC LIMIT 1`,
      )
      .get(target) as { sha: string; deploymentId: number } | undefined;
  }
}
