import type { DeploymentSummary } from './deployment.js';

/**
 * The fields of a log line about a deployment: its id and the deliveries it covers, so
 * that `jq 'select(.deliveries | index("<id>"))'` finds every line about a delivery.
 */
export function deploymentFields(deployment: Pick<DeploymentSummary, 'id' | 'deliveries' | 'target'>): {
  target: string;
  deployment: number;
  deliveries: string[];
} {
  return { target: deployment.target, deployment: deployment.id, deliveries: deployment.deliveries };
}
