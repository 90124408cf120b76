import type { DeploymentSummary } from './deployment.js';

/** "deployment 4 (deliveries a, b)", "deployment 5 (manual)": how the log names a deployment. */
export function describe(deployment: DeploymentSummary): string {
  const cause =
    deployment.deliveries.length > 0 ? `deliveries ${deployment.deliveries.join(', ')}` : deployment.trigger;
  return `deployment ${deployment.id} (${cause})`;
}
