import { operatorEnvironment } from '../process/operator-environment.js';
import type { DeployedCommit } from './deployed-commit.js';
import type { DeploymentSummary } from '../domain/deployment.js';

/** The environment DEPLOY_COMMAND runs with: the operator's, without hookdeploy's secrets, and the DEPLOY_* facts. */
export function commandEnvironment(deployment: DeploymentSummary, commit: DeployedCommit): Record<string, string> {
  return Object.assign(operatorEnvironment(), {
    DEPLOY_SHA: commit.headAfter,
    DEPLOY_BEFORE: commit.headBefore,
    DEPLOY_REF: deployment.ref,
    // Final once it runs: only a waiting deployment takes more deliveries. Empty for
    // manual and recovery deployments.
    DEPLOY_DELIVERY: deployment.deliveries.at(-1) ?? '',
    DEPLOY_ID: String(deployment.id),
    DEPLOY_TRIGGER: deployment.trigger,
    DEPLOY_REQUESTED_SHA: commit.requestedSha,
    DEPLOY_TARGET: deployment.target,
  });
}
