import { Logger } from '@nestjs/common';
import { processStartTime } from '../process/process-identity.js';
import type { ActivityStore, DeploymentActivity } from '../storage/activity.store.js';

/** Told the process group of a step's process once it started. */
export type OnSpawn = (processGroup: number) => void;

const logger = new Logger('Deploy');

/**
 * Records that a deployment enters `phase` now, and returns what records its process
 * group (with the leader's start time) once it starts: what the recovery after a crash
 * reads to end it, and to know what to clean up.
 */
export function trackActivity(store: ActivityStore, deploymentId: number, phase: DeploymentActivity['phase']): OnSpawn {
  store.set(deploymentId, { phase, processGroup: null, processStarted: null });
  return (processGroup) => {
    try {
      store.set(deploymentId, { phase, processGroup, processStarted: processStartTime(processGroup) });
    } catch (error) {
      // Thrown here, it would escape runProcess() with the process started and unwatched
      // (no deadline, no output). Only a crash recovery needs the group: it then finds
      // none to kill, and the deadline still ends the process now.
      logger.warn(
        `deployment ${deploymentId}: could not record process group ${processGroup}: ${(error as Error).message}`,
      );
    }
  };
}
