import { processStartTime } from '../process/process-identity.js';
import type { DeploymentActivity, DeploymentStore } from './deployment.store.js';

/** Told the process group of a step's process once it started. */
export type OnSpawn = (processGroup: number) => void;

/**
 * Records that a deployment enters `phase` now, and returns what records its process
 * group (with the leader's start time) once it starts: what the recovery after a crash
 * reads to end it, and to know what to clean up.
 */
export function trackActivity(
  store: DeploymentStore,
  deploymentId: number,
  phase: DeploymentActivity['phase'],
): OnSpawn {
  store.setActivity(deploymentId, { phase, processGroup: null, processStarted: null });
  return (processGroup) =>
    store.setActivity(deploymentId, { phase, processGroup, processStarted: processStartTime(processGroup) });
}
