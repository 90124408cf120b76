import { spawn } from 'node:child_process';

export interface CommandResult {
  /** null when the command was killed. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
}

export interface CommandOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Aborting kills the command's whole process group. */
  signal: AbortSignal;
  output: (chunk: string) => void;
}

/** How long a process group gets between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 3000;
/** How long output is still read after the shell exits (a background child may hold the pipe). */
const OUTPUT_DRAIN_MS = 1000;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // A negative pid addresses the process group the detached shell leads.
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Runs `command` through `/bin/sh -c` in its own process group. The command line is
 * the operator's configuration only; everything from a delivery reaches it through
 * environment variables, never through the command text.
 */
export function runCommand(command: string, options: CommandOptions): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (data: Buffer) => options.output(data.toString()));
    child.stderr.on('data', (data: Buffer) => options.output(data.toString()));

    const onAbort = (): void => {
      if (child.pid === undefined) return;
      timedOut = true;
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener('abort', onAbort, { once: true });

    let settled = false;
    const settle = (result: CommandResult): void => {
      if (settled) return;
      settled = true;
      options.signal.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      // The shell is gone; nothing it started may outlive a timeout.
      if (timedOut && child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      child.stdout.destroy();
      child.stderr.destroy();
      resolve(result);
    };

    // spawn() failures (a missing /bin/sh, an unreadable cwd) emit 'error' and no 'exit'.
    child.on('error', (error) => {
      options.output(`hookdeploy: could not start the deploy command: ${error.message}\n`);
      settle({ exitCode: null, signal: null, timedOut });
    });
    child.on('exit', (exitCode, signal) => {
      const result = { exitCode, signal, timedOut };
      const drain = setTimeout(() => settle(result), OUTPUT_DRAIN_MS);
      child.once('close', () => {
        clearTimeout(drain);
        settle(result);
      });
    });
  });
}
