import type { ReleasePhase } from '../storage/activity.store.js';
import type { OnSpawn } from './activity-tracker.js';
import { DeployFailure } from './deploy-failure.js';
import type { LiveLog } from './live-log.js';
import { runCommand } from './run-command.js';

export interface ReleaseCommandRun {
  /** `build` or `activate`: names the command in the log and the error. */
  step: Extract<ReleasePhase, 'build' | 'activate'>;
  command: string;
  cwd: string;
  env: Record<string, string>;
  signal: AbortSignal;
  log: LiveLog;
  onSpawn: OnSpawn;
}

/** Runs a release's `build` or `activate` through the shell, its output in the log; throws a DeployFailure unless it exits 0. */
export async function runReleaseCommand(run: ReleaseCommandRun): Promise<void> {
  run.log.append(`$ ${run.command}\n`);
  const result = await runCommand(run.command, {
    cwd: run.cwd,
    // The shell takes its `pwd` from PWD when that names the directory: activate sees
    // <path>/current, as a unit started there would, not the release it resolves to.
    env: { ...run.env, PWD: run.cwd },
    signal: run.signal,
    output: run.log.append,
    onSpawn: run.onSpawn,
  });
  if (result.timedOut) throw new DeployFailure(`the ${run.step} command was killed`);
  if (result.exitCode !== 0) {
    throw new DeployFailure(
      result.exitCode === null
        ? `the ${run.step} command ${result.signal ? `was killed by ${result.signal}` : 'could not start'}`
        : `the ${run.step} command exited with code ${result.exitCode}`,
    );
  }
}
