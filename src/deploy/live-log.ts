import { CappedLog } from './capped-log.js';
import type { DeploymentEvents } from '../events/deployment-events.js';
import type { DeploymentLogsStore } from '../storage/deployment-logs.store.js';

/** How often a running deployment's output is written to the database. */
export const LOG_SAVE_INTERVAL_MS = 1000;

/**
 * The output of the running deployment: capped in memory, streamed to listeners as it
 * comes, and saved at most once a second, so that a crash loses at most a second of it
 * while a chatty build does not turn into a write per line.
 */
export class LiveLog {
  private readonly log = new CappedLog();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deploymentId: number,
    private readonly logs: DeploymentLogsStore,
    private readonly events: DeploymentEvents,
  ) {}

  append = (chunk: string): void => {
    this.log.append(chunk);
    this.events.output(this.deploymentId, chunk);
    this.timer ??= setTimeout(() => this.saveQuietly(), LOG_SAVE_INTERVAL_MS);
  };

  /** Saves now and stops the periodic save; the caller records the final state. */
  save(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.logs.save(this.deploymentId, this.log.toString());
  }

  // A failed intermediate save is not worth a crash: the final save reports the problem.
  private saveQuietly(): void {
    try {
      this.save();
    } catch {
      this.timer = undefined;
    }
  }

  toString(): string {
    return this.log.toString();
  }
}
