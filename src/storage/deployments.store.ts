import type { Deployment, DeploymentStatus, DeploymentSummary } from '../domain/deployment.js';
import type { DeploymentLogsStore } from './deployment-logs.store.js';
import { firstSummary, SUMMARY_COLUMNS, toSummaries, type DeploymentRow } from './deployment-rows.js';
import type { PreparedStatements } from './prepared-statements.js';
import type { StatusNotifier } from './status-notifier.js';
import { whereGiven } from './where-given.js';

export type NewDeployment = Pick<Deployment, 'trigger' | 'ref' | 'requestedSha' | 'rollbackOf'>;
export type DeploymentChanges = Partial<
  Pick<
    Deployment,
    | 'status'
    | 'ref'
    | 'requestedSha'
    | 'headBefore'
    | 'headAfter'
    | 'startedAt'
    | 'finishedAt'
    | 'error'
    | 'rollbackOf'
    | 'report'
  >
>;

export interface DeploymentQuery {
  /** Only this target's deployments; every target's when undefined. */
  target?: string;
  status?: DeploymentStatus;
  /** Only deployments strictly older than this id. */
  before?: number;
  limit: number;
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
  rollbackOf: 'rollback_of',
  report: 'report',
};

/**
 * The deployments of every target. Ids are global (never reused, across targets), so
 * what takes an id needs no target; what picks among deployments takes the target.
 * Every change is announced through the StatusNotifier once its transaction ended.
 */
export class DeploymentsStore {
  constructor(
    private readonly statements: PreparedStatements,
    private readonly notifier: StatusNotifier,
    private readonly logs: DeploymentLogsStore,
  ) {}

  create(target: string, init: NewDeployment): Deployment {
    return this.get(this.insert(target, init))!;
  }

  /**
   * create() for the request path: the new id, without reading the deployment back. A
   * second `queued` deployment of a target is refused by the database (the waiting one
   * takes every push).
   */
  insert(target: string, init: NewDeployment): number {
    const { lastInsertRowid } = this.statements
      .sql(
        'INSERT INTO deployments (target, status, trigger, ref, requested_sha, queued_at, rollback_of) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        target,
        'queued',
        init.trigger,
        init.ref,
        init.requestedSha,
        new Date().toISOString(),
        init.rollbackOf ?? null,
      );
    const id = Number(lastInsertRowid);
    this.notifier.changed(id);
    return id;
  }

  update(id: number, changes: DeploymentChanges): DeploymentSummary {
    this.set(id, changes);
    return this.summaryOf(id);
  }

  /** The deployment without its log, as the lists show it; throws when there is none. */
  summaryOf(id: number): DeploymentSummary {
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
    const result = this.statements.sql(`UPDATE deployments SET ${assignments} WHERE id = @id`).run({ ...changes, id });
    if (result.changes === 0) throw new Error(`no deployment ${id}`);
    this.notifier.changed(id);
  }

  get(id: number): Deployment | undefined {
    const deployment = this.summary(id);
    return deployment && { ...deployment, log: this.logs.get(id) ?? '' };
  }

  /** Newest first. */
  list(query: DeploymentQuery): DeploymentSummary[] {
    const { where, values } = whereGiven({
      target: ['target = @target', query.target],
      status: ['status = @status', query.status],
      before: ['id < @before', query.before],
    });
    const rows = this.statements
      .sql(`SELECT ${SUMMARY_COLUMNS} FROM deployments ${where} ORDER BY id DESC LIMIT @limit`)
      .all({ ...values, limit: query.limit }) as DeploymentRow[];
    return toSummaries(this.statements, rows);
  }

  /** Newest first, with logs, all in memory (the API streams them instead: see sendJsonArray). */
  listWithLogs(query: DeploymentQuery): Deployment[] {
    return this.list(query).map((deployment) => ({ ...deployment, log: this.logs.get(deployment.id) ?? '' }));
  }

  /** nextQueued()'s id alone, for the request path. */
  nextQueuedId(target: string): number | undefined {
    const row = this.statements
      .sql(
        `SELECT id FROM deployments WHERE target = ? AND status = 'queued' AND trigger <> 'rollback' ORDER BY id LIMIT 1`,
      )
      .get(target) as { id: number } | undefined;
    return row?.id;
  }

  /**
   * The target's deployment waiting to run (at most one) that pushes join: a waiting
   * rollback is apart from it (waitingRollback()).
   */
  nextQueued(target: string): DeploymentSummary | undefined {
    return firstSummary(this.statements, `target = ? AND status = 'queued' AND trigger <> 'rollback'`, target);
  }

  /** The target's rollback waiting to run (at most one): it runs before the waiting push deployment. */
  waitingRollback(target: string): DeploymentSummary | undefined {
    return firstSummary(this.statements, `target = ? AND status = 'queued' AND trigger = 'rollback'`, target);
  }

  /** The target's deployments marked running, oldest first: at boot, the ones a dead process left behind. */
  running(target: string): DeploymentSummary[] {
    const rows = this.statements
      .sql(`SELECT ${SUMMARY_COLUMNS} FROM deployments WHERE target = ? AND status = 'running' ORDER BY id`)
      .all(target) as DeploymentRow[];
    return toSummaries(this.statements, rows);
  }

  /** The target's newest succeeded deployment. */
  lastSucceeded(target: string): DeploymentSummary | undefined {
    const row = this.statements
      .sql(
        `SELECT ${SUMMARY_COLUMNS} FROM deployments WHERE target = ? AND status = 'succeeded' ORDER BY id DESC LIMIT 1`,
      )
      .get(target) as DeploymentRow | undefined;
    return row && toSummaries(this.statements, [row])[0];
  }

  private summary(id: number): DeploymentSummary | undefined {
    return firstSummary(this.statements, 'id = ?', id);
  }
}
