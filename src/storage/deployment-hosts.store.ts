import type { DeploymentHost, HostStatus } from '../domain/deployment-host.js';
import type { PreparedStatements } from './prepared-statements.js';

/** A host row with what the hub's rollout keeps beside the API's fields. */
export interface HostRecord extends DeploymentHost {
  deploymentId: number;
  /** The commit the job carries (null: the branch tip, a manual deploy). */
  sha: string | null;
  /** Set once the job is in Redis; null: still in the outbox. */
  jobId: string | null;
  dispatchedAt: string | null;
}

export type HostChanges = Partial<
  Pick<
    HostRecord,
    | 'status'
    | 'headBefore'
    | 'headAfter'
    | 'startedAt'
    | 'finishedAt'
    | 'error'
    | 'log'
    | 'sha'
    | 'jobId'
    | 'dispatchedAt'
  >
>;

const COLUMNS: Record<keyof HostChanges, string> = {
  status: 'status',
  headBefore: 'head_before',
  headAfter: 'head_after',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
  error: 'error',
  log: 'log',
  sha: 'sha',
  jobId: 'job_id',
  dispatchedAt: 'dispatched_at',
};

interface HostRow {
  deployment_id: number;
  host: string;
  status: HostStatus;
  head_before: string | null;
  head_after: string | null;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
  log: string;
  sha: string | null;
  job_id: string | null;
  dispatched_at: string | null;
}

/** The hosts of fleet deployments (`deployment_hosts`), in the order of the target's list. */
export class DeploymentHostsStore {
  constructor(private readonly statements: PreparedStatements) {}

  /** One `queued` row per host; in the transaction that creates the deployment. */
  insertAll(deploymentId: number, hosts: readonly string[]): void {
    const insert = this.statements.sql(
      `INSERT INTO deployment_hosts (deployment_id, host, position, status) VALUES (?, ?, ?, 'queued')`,
    );
    hosts.forEach((host, position) => insert.run(deploymentId, host, position));
  }

  /** The API's view: no log is left out (each is capped). */
  list(deploymentId: number): DeploymentHost[] {
    return this.records(deploymentId).map(
      ({ host, status, headBefore, headAfter, startedAt, finishedAt, error, log }) => ({
        host,
        status,
        headBefore,
        headAfter,
        startedAt,
        finishedAt,
        error,
        log,
      }),
    );
  }

  records(deploymentId: number): HostRecord[] {
    const rows = this.statements
      .sql('SELECT * FROM deployment_hosts WHERE deployment_id = ? ORDER BY position')
      .all(deploymentId) as HostRow[];
    return rows.map((row) => ({
      deploymentId: row.deployment_id,
      host: row.host,
      status: row.status,
      headBefore: row.head_before,
      headAfter: row.head_after,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      error: row.error,
      log: row.log,
      sha: row.sha,
      jobId: row.job_id,
      dispatchedAt: row.dispatched_at,
    }));
  }

  /** The host rows of `target`'s newest deployment that has any (/targets and /health show them). */
  newestOf(target: string): Pick<DeploymentHost, 'host' | 'status' | 'headAfter'>[] {
    // Walks deployments_by_target backwards and stops at the first deployment with hosts.
    const rows = this.statements
      .sql(
        `SELECT host, status, head_after FROM deployment_hosts WHERE deployment_id = (
           SELECT id FROM deployments
           WHERE target = ? AND EXISTS (SELECT 1 FROM deployment_hosts WHERE deployment_id = deployments.id)
           ORDER BY id DESC LIMIT 1
         ) ORDER BY position`,
      )
      .all(target) as Pick<HostRow, 'host' | 'status' | 'head_after'>[];
    return rows.map((row) => ({ host: row.host, status: row.status, headAfter: row.head_after }));
  }

  update(deploymentId: number, host: string, changes: HostChanges): void {
    const keys = Object.keys(changes) as (keyof HostChanges)[];
    if (keys.length === 0) return;
    const assignments = keys.map((key) => `${COLUMNS[key]} = @${key}`).join(', ');
    this.statements
      .sql(`UPDATE deployment_hosts SET ${assignments} WHERE deployment_id = @deploymentId AND host = @host`)
      .run({ ...changes, deploymentId, host });
  }
}
