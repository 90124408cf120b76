import type { DeploymentSummary } from '../domain/deployment.js';
import { firstSummary } from './deployment-rows.js';
import type { PreparedStatements } from './prepared-statements.js';
import type { Transactions } from './transactions.js';

/** Who hears of status changes (DeploymentEvents in the application). */
export interface StatusListener {
  isWatched(deploymentId: number): boolean;
  statusChanged(deployment: DeploymentSummary): void;
}

/**
 * The one place that announces changed deployments: the stores say which deployment a
 * write changed, and its new state goes out only once the transaction ended, so a
 * listener never sees a state that could still roll back (a rolled-back change
 * announces the unchanged state). One event per deployment and transaction.
 */
export class StatusNotifier {
  constructor(
    private readonly statements: PreparedStatements,
    private readonly transactions: Transactions,
    private readonly listener?: StatusListener,
  ) {}

  changed(deploymentId: number): void {
    this.transactions.afterwards(`status:${deploymentId}`, () => this.announce(deploymentId));
  }

  private announce(deploymentId: number): void {
    // Most changes have nobody watching: no need to read the deployment back for them.
    if (!this.listener?.isWatched(deploymentId)) return;
    const deployment = firstSummary(this.statements, 'id = ?', deploymentId);
    if (deployment) this.listener.statusChanged(deployment);
  }
}
