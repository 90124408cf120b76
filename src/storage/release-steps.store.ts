import type { DeploymentStatus } from '../domain/deployment.js';
import type { PreparedStatements } from './prepared-statements.js';

/** A release-mode deployment's own columns: what a crash recovery needs to finish or undo it. */
export interface ReleaseSteps {
  /** The release directory it built (or, a rollback, switched to). */
  release: string | null;
  /** What `current` pointed at before its switch: where a failure switches back to. */
  previousRelease: string | null;
}

interface StepsRow {
  release: string | null;
  previous_release: string | null;
}

/**
 * The release columns of `deployments` (schema v4). The release steps themselves (build,
 * switch, activate, health) are the activity's phases (activity.store.ts).
 */
export class ReleaseStepsStore {
  constructor(private readonly statements: PreparedStatements) {}

  /** Written before the release directory is made, so a crash recovery knows what to remove. */
  begin(deploymentId: number, release: string, previousRelease: string | null): void {
    this.statements
      .sql('UPDATE deployments SET release = ?, previous_release = ? WHERE id = ?')
      .run(release, previousRelease, deploymentId);
  }

  get(deploymentId: number): ReleaseSteps | undefined {
    const row = this.statements
      .sql('SELECT release, previous_release FROM deployments WHERE id = ?')
      .get(deploymentId) as StepsRow | undefined;
    return row && { release: row.release, previousRelease: row.previous_release };
  }

  /** The status and the commit reached of each deployment that still has a record. */
  deployments(ids: readonly number[]): Map<number, { status: DeploymentStatus; headAfter: string | null }> {
    const rows = this.statements
      .sql('SELECT id, status, head_after FROM deployments WHERE id IN (SELECT value FROM json_each(?))')
      .all(JSON.stringify(ids)) as { id: number; status: DeploymentStatus; head_after: string | null }[];
    return new Map(rows.map((row) => [row.id, { status: row.status, headAfter: row.head_after }]));
  }
}
