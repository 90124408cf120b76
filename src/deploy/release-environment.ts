import type { DeploymentSummary } from '../domain/deployment.js';
import { commandEnvironment } from './command-environment.js';
import type { DeployedCommit } from './deployed-commit.js';

/** What `build` and `activate` run with: DEPLOY_COMMAND's environment, plus the release's directory. */
export function releaseEnvironment(
  deployment: DeploymentSummary,
  commit: DeployedCommit,
  releaseDir: string,
): Record<string, string> {
  return Object.assign(commandEnvironment(deployment, commit), { DEPLOY_RELEASE_DIR: releaseDir });
}
