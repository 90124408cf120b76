import { commandEnvironment } from './command-environment.js';
import type { OnSpawn } from './activity-tracker.js';
import { DeployFailure } from './deploy-failure.js';
import type { DeployedCommit } from './deployed-commit.js';
import type { DeploymentSummary } from '../domain/deployment.js';
import type { LiveLog } from './live-log.js';
import { runCommand } from './run-command.js';

export interface DeployCommandRun {
  command: string;
  cwd: string;
  deployment: DeploymentSummary;
  commit: DeployedCommit;
  signal: AbortSignal;
  log: LiveLog;
  onSpawn: OnSpawn;
}

/** Runs DEPLOY_COMMAND in the work tree, its output in the log; throws a DeployFailure unless it exits 0. */
export async function runDeployCommand(run: DeployCommandRun): Promise<void> {
  run.log.append(`$ ${run.command}\n`);
  const result = await runCommand(run.command, {
    cwd: run.cwd,
    env: commandEnvironment(run.deployment, run.commit),
    signal: run.signal,
    output: run.log.append,
    onSpawn: run.onSpawn,
  });
  if (result.timedOut) throw new DeployFailure('the deploy command was killed');
  if (result.exitCode !== 0) {
    throw new DeployFailure(
      result.exitCode === null
        ? `the deploy command ${result.signal ? `was killed by ${result.signal}` : 'could not start'}`
        : `the deploy command exited with code ${result.exitCode}`,
    );
  }
}
