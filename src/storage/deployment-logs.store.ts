import type { PreparedStatements } from './prepared-statements.js';

/**
 * The log of each deployment, apart from the deployments themselves: lists (the
 * dashboard polls them every 2 s) never read a megabyte of output they do not show.
 */
export class DeploymentLogsStore {
  constructor(private readonly statements: PreparedStatements) {}

  save(deploymentId: number, text: string): void {
    this.statements
      .sql(
        'INSERT INTO deployment_logs (deployment_id, text) VALUES (?, ?) ON CONFLICT (deployment_id) DO UPDATE SET text = excluded.text',
      )
      .run(deploymentId, text);
  }

  /**
   * Adds `text` at the end of a finished deployment's log (the report's lines), on a line
   * of its own. Not for a running deployment: its live log saves the whole text and would
   * drop the addition.
   */
  append(deploymentId: number, text: string): void {
    this.statements
      .sql(
        `INSERT INTO deployment_logs (deployment_id, text) VALUES (?, ?) ON CONFLICT (deployment_id) DO UPDATE
           SET text = text || CASE WHEN text = '' OR substr(text, -1) = char(10) THEN '' ELSE char(10) END || excluded.text`,
      )
      .run(deploymentId, text);
  }

  /** The saved log; '' for a deployment with none yet; undefined for an unknown deployment. */
  get(deploymentId: number): string | undefined {
    const row = this.statements.sql('SELECT text FROM deployment_logs WHERE deployment_id = ?').get(deploymentId) as
      { text: string } | undefined;
    if (row) return row.text;
    return this.statements.sql('SELECT 1 FROM deployments WHERE id = ?').get(deploymentId) ? '' : undefined;
  }
}
