import { ServiceProcess } from '../../test/fixtures/service-process.js';
import { benchNodeArgs, TOKEN } from './service.js';

const LISTENING = /listening on http:\/\/[^:]+:(\d+)\//;

/** A built service started for a scale figure, with the time from spawn to its "listening" line. */
export interface BootedService {
  process: ServiceProcess;
  base: string;
  /** Spawn → the "listening on" line: from then on the webhook is answered. */
  bootMs: number;
  stop(): Promise<void>;
}

/**
 * Starts `node dist/main.js` as start:prod does, on loopback, and times spawn → the line
 * that says it listens. The line is caught on the output's own `data` events, not polled,
 * so the figure has no polling step in it.
 */
export async function bootTimed(
  env: Record<string, string>,
  cwd: string,
  timeoutMs = 120_000,
  extraNodeArgs: readonly string[] = [],
): Promise<BootedService> {
  const started = performance.now();
  const service = ServiceProcess.start(
    { PORT: '0', HOST: '127.0.0.1', ADMIN_TOKEN: TOKEN, NODE_ENV: 'production', ...env },
    cwd,
    [...benchNodeArgs(), ...extraNodeArgs],
  );
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    service.child.kill('SIGTERM');
    await service.exitCode();
  };
  try {
    const { port, at } = await new Promise<{ port: number; at: number }>((resolve, reject) => {
      let pending = '';
      const timer = setTimeout(
        () => reject(new Error(`no listening line in ${timeoutMs} ms:\n${service.text()}`)),
        timeoutMs,
      );
      const look = (data: Buffer): void => {
        const at = performance.now();
        pending += data.toString();
        const match = LISTENING.exec(pending);
        if (match) {
          clearTimeout(timer);
          resolve({ port: Number(match[1]), at });
        }
        pending = pending.slice(-500);
      };
      service.child.stdout.on('data', look);
      service.child.stderr.on('data', look);
      service.child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`service exited (${code}) before listening:\n${service.text()}`));
      });
    });
    return { process: service, base: `http://127.0.0.1:${port}`, bootMs: at - started, stop };
  } catch (error) {
    service.stop();
    throw error;
  }
}
