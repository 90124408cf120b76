import { runProcess, type ProcessOptions, type ProcessResult } from '../process/run-process.js';

export { KILL_GRACE_MS } from '../process/run-process.js';
export type CommandOptions = ProcessOptions;
export type CommandResult = ProcessResult;

/**
 * Runs DEPLOY_COMMAND through `/bin/sh -c` in its own process group. The command line is
 * the operator's configuration only; everything from a delivery reaches it through
 * environment variables, never through the command text.
 */
export function runCommand(command: string, options: CommandOptions): Promise<CommandResult> {
  return runProcess('/bin/sh', ['-c', command], options);
}
