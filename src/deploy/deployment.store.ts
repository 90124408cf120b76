import type { Statement, Transaction } from 'better-sqlite3';
import type { Db } from '../storage/open-database.js';
import type { DeliveryQuery, DeliveryRecord, StoredDelivery } from './delivery-record.js';
import type { Deployment, DeploymentStatus, DeploymentSummary, DeploymentTrigger } from './deployment.js';
import type { DeploymentEvents } from './deployment-events.js';

export type NewDeployment = Pick<Deployment, 'trigger' | 'ref' | 'requestedSha'>;
export type DeploymentChanges = Partial<
  Pick<
    Deployment,
    'status' | 'ref' | 'requestedSha' | 'headBefore' | 'headAfter' | 'startedAt' | 'finishedAt' | 'error'
  >
>;

export interface DeploymentQuery {
  status?: DeploymentStatus;
  /** Only deployments strictly older than this id. */
  before?: number;
  limit: number;
}

/**
 * What a running deployment is doing, and the process group doing it. `fetch`: git is
 * fetching and nothing has touched the work tree yet; `git`: git is moving it.
 */
export interface DeploymentActivity {
  phase: 'fetch' | 'git' | 'command';
  processGroup: number | null;
  /** The leader's start time as the kernel reports it, so a reused pid is not mistaken for it. */
  processStarted: string | null;
}

interface DeploymentRow {
  id: number;
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
}

const COLUMNS: Record<keyof DeploymentChanges, string> = {
  status: 'status',
  ref: 'ref',
  requestedSha: 'requested_sha',
  headBefore: 'head_before',
  headAfter: 'head_after',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
  error: 'error',
};

const SUMMARY_COLUMNS =
  'id, status, trigger, ref, requested_sha, head_before, head_after, queued_at, started_at, finished_at, error';

/**
 * Deployments, their deliveries and their logs in SQLite: the only code that touches
 * the database. Synchronous on purpose (better-sqlite3): the queue's accept step
 * (dedup, then coalesce or create) runs in one transaction that no other request can
 * interleave with, and is on disk before the 202 goes out.
 */
export class DeploymentStore {
  /** Ids changed in the current transaction: their status events wait for the commit. */
  private pending: Set<number> | undefined;
  private readonly statements = new Map<string, Statement>();

  /** One transaction wrapper for all: better-sqlite3 builds one per `db.transaction()` call. */
  private readonly inTransaction: Transaction<(work: () => unknown) => unknown>;

  constructor(
    private readonly db: Db,
    private readonly events?: DeploymentEvents,
  ) {
    this.inTransaction = db.transaction((work: () => unknown) => work());
  }

  /** Runs `work` in one transaction; status events go out only once it committed. */
  atomically<T>(work: () => T): T {
    if (this.pending) return work();
    const pending = new Set<number>();
    this.pending = pending;
    try {
      return this.inTransaction.immediate(work) as T;
    } finally {
      this.pending = undefined;
      // Emitted after the commit or rollback; a rolled-back change emits its unchanged state.
      for (const id of pending) this.emitStatus(id);
    }
  }

  create(init: NewDeployment): Deployment {
    return this.get(this.insert(init))!;
  }

  /** create() for the request path: the new id, without reading the deployment back. */
  insert(init: NewDeployment): number {
    const { lastInsertRowid } = this.sql(
      'INSERT INTO deployments (status, trigger, ref, requested_sha, queued_at) VALUES (?, ?, ?, ?, ?)',
    ).run('queued', init.trigger, init.ref, init.requestedSha, new Date().toISOString());
    const id = Number(lastInsertRowid);
    this.changed(id);
    return id;
  }

  update(id: number, changes: DeploymentChanges): DeploymentSummary {
    this.set(id, changes);
    const deployment = this.summary(id);
    if (!deployment) throw new Error(`no deployment ${id}`);
    return deployment;
  }

  /**
   * update() for the request path, without reading the deployment back: a waiting
   * deployment in a burst lists every delivery it took, and each accept read them all.
   */
  set(id: number, changes: DeploymentChanges): void {
    const keys = Object.keys(changes) as (keyof DeploymentChanges)[];
    if (keys.length === 0) return;
    const assignments = keys.map((key) => `${COLUMNS[key]} = @${key}`).join(', ');
    const result = this.sql(`UPDATE deployments SET ${assignments} WHERE id = @id`).run({ ...changes, id });
    if (result.changes === 0) throw new Error(`no deployment ${id}`);
    this.changed(id);
  }

  /** Records a delivery; an accepted one (`queued`) joins its deployment's `deliveries`. Only the first duplicate of an id is kept. */
  recordDelivery(record: DeliveryRecord): void {
    // One `duplicate` row per id: the rows of a deployment outlive the journal's cap, and
    // a replayed signed delivery must not grow them without bound.
    this.sql(
      `INSERT INTO deliveries (delivery_id, event, received_at, outcome, reason, status_code, sha, deployment_id)
         SELECT @id, @event, @receivedAt, @outcome, @reason, @statusCode, @sha, @deploymentId
         WHERE @outcome <> 'duplicate'
            OR NOT EXISTS (SELECT 1 FROM deliveries WHERE delivery_id = @id AND outcome = 'duplicate')`,
    ).run(record);
    if (record.outcome === 'queued' && record.deploymentId !== null) this.changed(record.deploymentId);
  }

  /** The journal of deliveries, newest first. */
  listDeliveries(query: DeliveryQuery): StoredDelivery[] {
    return this.sql(
      `SELECT seq, delivery_id AS id, event, received_at AS receivedAt, outcome, reason, status_code AS statusCode,
              sha, deployment_id AS deploymentId
       FROM deliveries
       WHERE (@outcome IS NULL OR outcome = @outcome) AND (@before IS NULL OR seq < @before)
       ORDER BY seq DESC LIMIT @limit`,
    ).all({ outcome: query.outcome ?? null, before: query.before ?? null, limit: query.limit }) as StoredDelivery[];
  }

  /** The distinct commits the deployment's accepted deliveries pushed. */
  requestedCommits(id: number): string[] {
    const rows = this.sql(
      "SELECT DISTINCT sha FROM deliveries WHERE deployment_id = ? AND outcome = 'queued' AND sha IS NOT NULL",
    ).all(id) as { sha: string }[];
    return rows.map((row) => row.sha);
  }

  get(id: number): Deployment | undefined {
    const row = this.sql(`SELECT ${SUMMARY_COLUMNS} FROM deployments WHERE id = ?`).get(id) as
      DeploymentRow | undefined;
    if (!row) return undefined;
    return { ...this.withDeliveries([row])[0]!, log: this.getLog(id) ?? '' };
  }

  /** Newest first. */
  list(query: DeploymentQuery): DeploymentSummary[] {
    const rows = this.sql(
      `SELECT ${SUMMARY_COLUMNS} FROM deployments
         WHERE (@status IS NULL OR status = @status) AND (@before IS NULL OR id < @before)
         ORDER BY id DESC LIMIT @limit`,
    ).all({ status: query.status ?? null, before: query.before ?? null, limit: query.limit }) as DeploymentRow[];
    return this.withDeliveries(rows);
  }

  /** Newest first, with logs, all in memory (the API streams them instead: see sendJsonArray). */
  listWithLogs(query: DeploymentQuery): Deployment[] {
    return this.list(query).map((deployment) => ({ ...deployment, log: this.getLog(deployment.id) ?? '' }));
  }

  /** The deployment that accepted this delivery id, if any. */
  findByDelivery(deliveryId: string): DeploymentSummary | undefined {
    const row = this.sql(`SELECT deployment_id AS id FROM deliveries WHERE delivery_id = ? AND outcome = 'queued'`).get(
      deliveryId,
    ) as { id: number | null } | undefined;
    return row?.id == null ? undefined : this.summary(row.id);
  }

  /** nextQueued()'s id alone, for the request path. */
  nextQueuedId(): number | undefined {
    const row = this.sql(`SELECT id FROM deployments WHERE status = 'queued' ORDER BY id LIMIT 1`).get() as
      { id: number } | undefined;
    return row?.id;
  }

  /** The oldest deployment still waiting to run. */
  nextQueued(): DeploymentSummary | undefined {
    return this.first(`status = 'queued'`);
  }

  /** Deployments marked running: at boot, the ones a dead process left behind. */
  running(): DeploymentSummary[] {
    const rows = this.sql(
      `SELECT ${SUMMARY_COLUMNS} FROM deployments WHERE status = 'running' ORDER BY id`,
    ).all() as DeploymentRow[];
    return this.withDeliveries(rows);
  }

  /** The newest succeeded deployment. */
  lastSucceeded(): DeploymentSummary | undefined {
    const row = this.sql(
      `SELECT ${SUMMARY_COLUMNS} FROM deployments WHERE status = 'succeeded' ORDER BY id DESC LIMIT 1`,
    ).get() as DeploymentRow | undefined;
    return row && this.withDeliveries([row])[0];
  }

  /** The newest accepted push: its `after` and the deployment it joined. */
  newestAcceptedPush(): { sha: string; deploymentId: number } | undefined {
    return this.sql(
      `SELECT sha, deployment_id AS deploymentId FROM deliveries
         WHERE outcome = 'queued' AND sha IS NOT NULL AND deployment_id IS NOT NULL ORDER BY seq DESC LIMIT 1`,
    ).get() as { sha: string; deploymentId: number } | undefined;
  }

  saveLog(id: number, text: string): void {
    this.sql(
      'INSERT INTO deployment_logs (deployment_id, text) VALUES (?, ?) ON CONFLICT (deployment_id) DO UPDATE SET text = excluded.text',
    ).run(id, text);
  }

  getLog(id: number): string | undefined {
    const row = this.sql('SELECT text FROM deployment_logs WHERE deployment_id = ?').get(id) as
      { text: string } | undefined;
    if (row) return row.text;
    return this.sql('SELECT 1 FROM deployments WHERE id = ?').get(id) ? '' : undefined;
  }

  setActivity(id: number, activity: DeploymentActivity | null): void {
    const phase = activity?.phase === 'fetch' ? 'git' : (activity?.phase ?? null);
    this.sql('UPDATE deployments SET phase = ?, git_step = ?, process_group = ?, process_started = ? WHERE id = ?').run(
      phase,
      activity?.phase === 'fetch' ? 'fetch' : null,
      activity?.processGroup ?? null,
      activity?.processStarted ?? null,
      id,
    );
  }

  activity(id: number): DeploymentActivity | undefined {
    const row = this.sql('SELECT phase, git_step, process_group, process_started FROM deployments WHERE id = ?').get(
      id,
    ) as
      | {
          phase: 'git' | 'command' | null;
          git_step: 'fetch' | null;
          process_group: number | null;
          process_started: string | null;
        }
      | undefined;
    if (!row?.phase) return undefined;
    const phase = row.phase === 'git' && row.git_step === 'fetch' ? 'fetch' : row.phase;
    return { phase, processGroup: row.process_group, processStarted: row.process_started };
  }

  /**
   * Keeps the newest `limit` deployments with their deliveries and logs, and as many of
   * the newest deliveries that joined no deployment (ignored, rejected, pings).
   * Unfinished deployments are never pruned. Returns how many deployments went.
   */
  prune(limit: number): number {
    return this.atomically(() => {
      const { changes } = this.sql(
        `DELETE FROM deployments WHERE status IN ('succeeded', 'failed')
           AND id <= (SELECT id FROM deployments ORDER BY id DESC LIMIT 1 OFFSET ?)`,
      ).run(limit);
      this.sql(
        `DELETE FROM deliveries WHERE deployment_id IS NULL
           AND seq <= (SELECT seq FROM deliveries WHERE deployment_id IS NULL ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
      ).run(limit);
      return changes;
    });
  }

  // Prepared once per text: accept runs several statements per delivery.
  private sql(text: string): Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  private summary(id: number): DeploymentSummary | undefined {
    return this.first('id = ?', id);
  }

  private first(where: string, ...params: unknown[]): DeploymentSummary | undefined {
    const row = this.sql(`SELECT ${SUMMARY_COLUMNS} FROM deployments WHERE ${where} ORDER BY id LIMIT 1`).get(
      ...params,
    ) as DeploymentRow | undefined;
    return row && this.withDeliveries([row])[0];
  }

  private withDeliveries(rows: DeploymentRow[]): DeploymentSummary[] {
    if (rows.length === 0) return [];
    const ids = rows.map((row) => row.id);
    const deliveries = new Map<number, string[]>();
    const found = this.sql(
      `SELECT deployment_id AS id, delivery_id AS delivery FROM deliveries
         WHERE outcome = 'queued' AND deployment_id IN (SELECT value FROM json_each(?)) ORDER BY seq`,
    ).all(JSON.stringify(ids)) as { id: number; delivery: string }[];
    for (const { id, delivery } of found) {
      const list = deliveries.get(id) ?? [];
      list.push(delivery);
      deliveries.set(id, list);
    }
    return rows.map((row) => ({
      id: row.id,
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
    }));
  }

  private changed(id: number): void {
    if (this.pending) this.pending.add(id);
    else this.emitStatus(id);
  }

  private emitStatus(id: number): void {
    // Most changes have nobody watching: no need to read the deployment back for them.
    if (!this.events?.isWatched(id)) return;
    const deployment = this.summary(id);
    if (deployment) this.events.statusChanged(deployment);
  }
}
