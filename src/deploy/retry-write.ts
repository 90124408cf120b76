import { setTimeout as sleep } from 'node:timers/promises';

/** The first pause after a failed write; it doubles up to MAX_PAUSE_MS. */
const FIRST_PAUSE_MS = 100;
const MAX_PAUSE_MS = 5000;
/** How long the retries go on once shutdown began, and their pause meanwhile. */
export const SHUTDOWN_GRACE_MS = 5000;
const SHUTDOWN_PAUSE_MS = 250;

export interface RetryOptions {
  /** Aborted when the service shuts down: the retries then end within SHUTDOWN_GRACE_MS. */
  shutdown: AbortSignal;
  /** Told of each failed attempt (the first is 1). */
  onFailure: (error: unknown, attempt: number) => void;
}

/**
 * Runs `write` (a synchronous database write, bounded by SQLite's busy_timeout) until it
 * succeeds: a full disk or a locked file is a state that passes, and what the write
 * records (a deployment's outcome) must not be lost to it. Throws the last error only
 * when shutdown began and the grace after it ran out: a stop must still end.
 */
export async function retryWrite<T>(write: () => T, options: RetryOptions): Promise<T> {
  let pause = FIRST_PAUSE_MS;
  let giveUpAt: number | undefined;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return write();
    } catch (error) {
      options.onFailure(error, attempt);
      if (options.shutdown.aborted) {
        giveUpAt ??= Date.now() + SHUTDOWN_GRACE_MS;
        if (Date.now() >= giveUpAt) throw error;
        await sleep(SHUTDOWN_PAUSE_MS);
      } else {
        // Shutdown cuts the pause short: the grace begins at once.
        await sleep(pause, undefined, { signal: options.shutdown }).catch(() => undefined);
        pause = Math.min(pause * 2, MAX_PAUSE_MS);
      }
    }
  }
}
