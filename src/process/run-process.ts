import { spawn, type ChildProcess } from 'node:child_process';

export interface ProcessResult {
  /** null when the process was killed or could not start. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Why the process could not start (`spawn git EMFILE`); absent when it ran. */
  startError?: string;
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
 * Starts the process; a failure to start (EMFILE at the open-file limit, ENOMEM, EAGAIN,
 * a missing executable or cwd) becomes `onError` on a later tick, never an exception. Node reports some
 * of these by throwing and the others by an 'error' event on the next tick, leaving
 * `stdout` undefined at EMFILE: an 'error' without a listener would end the service.
 */
function start(
  file: string,
  args: readonly string[],
  options: ProcessOptions,
  onError: (error: Error) => void,
): ChildProcess | undefined {
  let child: ChildProcess;
  try {
    child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    // On the next tick, like the failures Node emits: the caller has its child (none) by then.
    process.nextTick(onError, error instanceof Error ? error : new Error(String(error)));
    return undefined;
  }
  child.on('error', onError);
  return child;
}

/**
 * Runs `file` with `args` (no shell) as the leader of its own process group, so that
 * aborting ends everything it started: a shell's children, git's fetch, ssh and hooks.
 * The only place in hookdeploy that starts a process. Never rejects: a process that
 * cannot start resolves with `startError`.
 */
export function runProcess(file: string, args: readonly string[], options: ProcessOptions): Promise<ProcessResult> {
  return new Promise((resolve) => {
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      if (child?.pid === undefined) return;
      const pid = child.pid;
      timedOut = true;
      killGroup(pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    let settled = false;
    const settle = (result: ProcessResult): void => {
      if (settled) return;
      settled = true;
      options.signal.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      // The leader is gone; nothing it started may outlive a timeout.
      if (timedOut && child?.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      child?.stdout?.destroy();
      child?.stderr?.destroy();
      resolve(result);
    };

    // 'error' before a pid: it never started, and no 'exit' follows.
    const child = start(file, args, options, (error) => {
      if (child?.pid !== undefined) return;
      options.output(`hookdeploy: could not start ${file}: ${error.message}\n`);
      settle({ exitCode: null, signal: null, timedOut, startError: error.message });
    });
    if (child?.pid === undefined) return;
    const started = child;
    options.onSpawn?.(started.pid!);

    // Decoded as a stream: a character the pipe splits between two chunks stays whole.
    started.stdout?.setEncoding('utf8').on('data', options.stdout ?? options.output);
    started.stderr?.setEncoding('utf8').on('data', options.output);

    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener('abort', onAbort, { once: true });

    started.on('exit', (exitCode, signal) => {
      const result = { exitCode, signal, timedOut };
      const drain = setTimeout(() => settle(result), OUTPUT_DRAIN_MS);
      started.once('close', () => {
        clearTimeout(drain);
        settle(result);
      });
    });
  });
}
