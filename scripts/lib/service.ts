import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const MAIN_JS = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** Boot takes about a second; anything near this means something is wrong. */
const START_TIMEOUT_MS = 20_000;
/** SIGTERM lets a running deploy finish (bounded by DEPLOY_TIMEOUT, which the demo keeps short). */
const STOP_TIMEOUT_MS = 30_000;
/** After SIGKILL the exit is immediate; this only guards against waiting forever. */
const KILL_TIMEOUT_MS = 5_000;

const LISTENING = /listening on http:\/\/[^\s:/]+:(\d+)\//;
// eslint-disable-next-line no-control-regex -- ANSI colour codes start with ESC.
const ANSI_COLOUR = /\x1b\[[0-9;]*m/g;
/** LOG_FORMAT=pretty's `[2025-11-28 01:52:00.123] INFO: [Context] text`: the date says nothing here. */
const PRETTY_PREFIX = /^\[\d{4}-\d\d-\d\d [\d:.]+\]\s+(TRACE|DEBUG|INFO|WARN|ERROR|FATAL):\s+/;
/** One line per Nest module at boot: nothing a newcomer needs (the route lines stay). */
const NEST_MODULE_LINE = /^INFO \[InstanceLoader\] /;

/** The service running as a child process, as an operator would run it. */
export class ServiceProcess {
  private exitCode: number | null = null;
  private exitSignal: NodeJS.Signals | null = null;
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    this.exited = once(child, 'exit').then(([code, signal]) => {
      this.exitCode = code as number | null;
      this.exitSignal = signal as NodeJS.Signals | null;
    });
    // A spawn error (e.g. node missing) also ends in 'exit' or is reported by waitForPort.
    child.on('error', () => undefined);
  }

  /** Spawns `node dist/main.js` with exactly `env` (nothing inherited) in `cwd`. */
  static start(cwd: string, env: Record<string, string>): ServiceProcess {
    const child = spawn(process.execPath, [MAIN_JS], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    return new ServiceProcess(child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** How it ended, in words, for error messages. */
  describeExit(): string {
    return this.exitSignal ? `was killed by ${this.exitSignal}` : `exited with code ${this.exitCode}`;
  }

  /**
   * Relays the lines the service writes (both streams) through `print`, and resolves
   * with the port from the "listening on" line. Rejects if the service exits first
   * (a configuration error, for instance: its one-line reason has been relayed).
   */
  async waitForPort(print: (line: string) => void): Promise<number> {
    let resolvePort: (port: number) => void = () => undefined;
    const port = new Promise<number>((resolve) => (resolvePort = resolve));
    for (const stream of [this.child.stdout, this.child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (raw) => {
        const line = raw.replace(ANSI_COLOUR, '').replace(PRETTY_PREFIX, '$1 ');
        if (!NEST_MODULE_LINE.test(line)) print(line);
        const match = LISTENING.exec(line);
        if (match) resolvePort(Number(match[1]));
      });
    }
    return withTimeout(
      Promise.race([
        port,
        this.exited.then(() => {
          throw new Error(`the service ${this.describeExit()} before listening`);
        }),
      ]),
      START_TIMEOUT_MS,
      `the service did not log its port within ${START_TIMEOUT_MS / 1000} s`,
    );
  }

  /** SIGTERM, as systemd or Docker would send; returns the exit code (null if killed by a signal). */
  async stop(): Promise<number | null> {
    if (!this.hasExited) this.child.kill('SIGTERM');
    await withTimeout(this.exited, STOP_TIMEOUT_MS, `the service did not exit within ${STOP_TIMEOUT_MS / 1000} s`);
    return this.exitCode;
  }

  /** For failures: ask nicely, then SIGKILL. Never throws; only ever signals this child's PID. */
  async kill(): Promise<void> {
    if (this.hasExited) return;
    this.child.kill('SIGTERM');
    const ended = await withTimeout(this.exited, KILL_TIMEOUT_MS, '').then(
      () => true,
      () => false,
    );
    if (ended) return;
    this.child.kill('SIGKILL');
    await withTimeout(this.exited, KILL_TIMEOUT_MS, '').catch(() => undefined);
  }
}

/** `promise`, or a rejection with `message` once `ms` have passed. */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
