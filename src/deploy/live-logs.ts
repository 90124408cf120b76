import type { DeploymentEvents } from '../events/deployment-events.js';
import type { DeploymentLogsStore } from '../storage/deployment-logs.store.js';
import { LiveLog } from './live-log.js';

/** The live logs of the running deployments (one at a time today), by deployment id. */
export class LiveLogs {
  private readonly logs = new Map<number, LiveLog>();

  constructor(
    private readonly store: DeploymentLogsStore,
    private readonly events: DeploymentEvents,
  ) {}

  open(deploymentId: number): LiveLog {
    const log = new LiveLog(deploymentId, this.store, this.events);
    this.logs.set(deploymentId, log);
    return log;
  }

  /** The output so far, while the deployment runs (the stored log lags up to a second). */
  text(deploymentId: number): string | undefined {
    return this.logs.get(deploymentId)?.toString();
  }

  /** Once its outcome is recorded: from then on the stored log is the whole log. */
  close(deploymentId: number): void {
    this.logs.delete(deploymentId);
  }
}
