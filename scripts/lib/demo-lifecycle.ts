import { makeTempDir, removeTempDir } from './sandbox.js';
import { withTimeout, type ServiceProcess } from './service.js';
import { detail } from './print.js';

/**
 * What a demo must undo however it ends (success, failure, Ctrl-C, deadline): the
 * service it started (its PID only) and its temporary directory. As in scripts/demo.ts.
 */
export class DemoLifecycle {
  private tempDir?: string;
  private service?: ServiceProcess;
  private stopping = false;
  private closing?: Promise<void>;
  private ending?: Promise<never>;

  constructor() {
    // Ctrl-C reaches the service too (same process group); either way the demo cleans up.
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => void this.giveUp(`Interrupted by ${signal}.`, 130));
    }
  }

  /** The temp dir, owned from now on; refused once the demo is stopping. */
  async makeTempDir(): Promise<string> {
    const root = await makeTempDir();
    if (this.stopping) {
      // Interrupted while the directory was being made: clean-up has already run without it.
      await removeTempDir(root);
      throw new Error('the demo is stopping');
    }
    this.tempDir = root;
    return root;
  }

  /** Starts the service through `start`, unless the demo is already stopping. */
  adopt(start: () => ServiceProcess): ServiceProcess {
    if (this.stopping) throw new Error('the demo is stopping');
    this.service = start();
    return this.service;
  }

  /** Runs `demo` within `deadlineMs`, cleans up, and exits 0, or 1 with the reason. */
  async run(demo: () => Promise<void>, deadlineMs: number, done: string): Promise<never> {
    try {
      await withTimeout(demo(), deadlineMs, `it took longer than ${deadlineMs / 1000} s`);
      await this.cleanUp();
      detail(`removed ${this.tempDir}`);
      console.log(`\n${done}`);
      process.exit(0);
    } catch (error) {
      return this.giveUp(`The demo failed: ${error instanceof Error ? error.message : String(error)}`, 1);
    }
  }

  /** Kills the service if it still runs and removes the temp dir; safe to call twice. */
  private cleanUp(): Promise<void> {
    this.closing ??= (async () => {
      this.stopping = true;
      await this.service?.kill();
      if (this.tempDir) await removeTempDir(this.tempDir);
    })();
    return this.closing;
  }

  /**
   * Cleans up and exits with `exitCode`. Only the first reason is told: after Ctrl-C the
   * service and git get the signal too, and the steps then fail with consequences of it.
   */
  private giveUp(reason: string, exitCode: number): Promise<never> {
    this.ending ??= (async () => {
      console.error(`\n${reason}`);
      if (this.service && !this.service.hasExited) console.error('Stopping the service…');
      await this.cleanUp().catch((error: unknown) => console.error(`Cleaning up failed too: ${String(error)}`));
      console.error(this.tempDir ? `Removed ${this.tempDir}.` : 'Nothing to clean up.');
      process.exit(exitCode);
    })();
    return this.ending;
  }
}
