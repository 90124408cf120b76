import type { DeploymentStatus, DeploymentSummary, DeploymentTrigger } from '../domain/deployment.js';
import type { PreparedStatements } from './prepared-statements.js';

/** A `deployments` row as the summary columns read it. */
export interface DeploymentRow {
  id: number;
  target: string;
  status: DeploymentStatus;
  trigger: DeploymentTrigger;
  ref: string;
  requested_sha: string | null;
  head_before: string | null;
  head_after: string | null;
  queued_at: string;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
  release: string | null;
  rollback_of: number | null;
  report: string | null;
}

export const SUMMARY_COLUMNS =
  'id, target, status, trigger, ref, requested_sha, head_before, head_after, queued_at, started_at, finished_at, error, release, rollback_of, report';

/** The first deployment (lowest id) matching `where`, as a summary. */
export function firstSummary(
  statements: PreparedStatements,
  where: string,
  ...params: unknown[]
): DeploymentSummary | undefined {
  const row = statements
    .sql(`SELECT ${SUMMARY_COLUMNS} FROM deployments WHERE ${where} ORDER BY id LIMIT 1`)
    .get(...params) as DeploymentRow | undefined;
  return row && toSummaries(statements, [row])[0];
}

/**
 * Rows as the API's summaries. A deployment's `deliveries` is not a column: it is its
 * accepted (`queued`) delivery rows in arrival order, read for all rows in one query.
 */
export function toSummaries(statements: PreparedStatements, rows: DeploymentRow[]): DeploymentSummary[] {
  if (rows.length === 0) return [];
  const deliveries = new Map<number, string[]>();
  const found = statements
    .sql(
      `SELECT deployment_id AS id, delivery_id AS delivery FROM deliveries
         WHERE outcome = 'queued' AND deployment_id IN (SELECT value FROM json_each(?)) ORDER BY seq`,
    )
    .all(JSON.stringify(rows.map((row) => row.id))) as { id: number; delivery: string }[];
  for (const { id, delivery } of found) {
    const list = deliveries.get(id) ?? [];
    list.push(delivery);
    deliveries.set(id, list);
  }
  return rows.map((row) => ({
    id: row.id,
    target: row.target,
    status: row.status,
    trigger: row.trigger,
    deliveries: deliveries.get(row.id) ?? [],
    ref: row.ref,
    requestedSha: row.requested_sha,
    headBefore: row.head_before,
    headAfter: row.head_after,
    queuedAt: row.queued_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    error: row.error,
    release: row.release,
    report: row.report,
    // Only a rollback has it (nothing else writes rollback_of): the others answer as they always did.
    ...(row.rollback_of !== null ? { rollbackOf: row.rollback_of } : {}),
  }));
}
