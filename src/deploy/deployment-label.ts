import { DEFAULT_TARGET_ID } from '../domain/target.js';
import type { DeploymentSummary } from '../domain/deployment.js';

/**
 * "deployment 4 (deliveries a, b)", "deployment 5 of site (manual)": how the log names a
 * deployment. Env-only mode's one target goes without saying.
 */
export function describe(deployment: DeploymentSummary): string {
  const cause =
    deployment.deliveries.length > 0 ? `deliveries ${deployment.deliveries.join(', ')}` : deployment.trigger;
  const of = deployment.target === DEFAULT_TARGET_ID ? '' : ` of ${deployment.target}`;
  return `deployment ${deployment.id}${of} (${cause})`;
}
