import { spawn } from 'node:child_process';

export interface ProcessResult {
  /** null when the process was killed. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
}

export interface ProcessOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Aborting kills the whole process group. */
  signal: AbortSignal;
  output: (chunk: string) => void;
  /** Where stdout goes when it is an answer rather than log output (default: `output`). */
  stdout?: (chunk: string) => void;
  /** Told the process group id once the process started (recorded so a restart can end it). */
  onSpawn?: (processGroup: number) => void;
}

/** How long a process group gets between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 3000;
/** How long output is still read after the process exits (a background child may hold the pipe). */
const OUTPUT_DRAIN_MS = 1000;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // A negative pid addresses the process group the detached child leads.
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Runs `file` with `args` (no shell) as the leader of its own process group, so that
 * aborting ends everything it started: a shell's children, git's fetch, ssh and hooks.
 * The only place in hookdeploy that starts a process, apart from simple-git's short queries.
 */
export function runProcess(file: string, args: readonly string[], options: ProcessOptions): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stdout = options.stdout ?? options.output;
    child.stdout.on('data', (data: Buffer) => stdout(data.toString()));
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
    const settle = (result: ProcessResult): void => {
      if (settled) return;
      settled = true;
      options.signal.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      // The leader is gone; nothing it started may outlive a timeout.
      if (timedOut && child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      child.stdout.destroy();
      child.stderr.destroy();
      resolve(result);
    };

    // spawn() failures (a missing executable, an unreadable cwd) emit 'error' and no 'exit'.
    child.on('error', (error) => {
      options.output(`hookdeploy: could not start ${file}: ${error.message}\n`);
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
