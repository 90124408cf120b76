export type DeploymentStatus = 'queued' | 'running' | 'succeeded' | 'failed';
export type DeploymentTrigger = 'push';

/** One run of git (and the deploy command) covering one or more accepted deliveries. */
export interface Deployment {
  id: number;
  status: DeploymentStatus;
  trigger: DeploymentTrigger;
  /** X-GitHub-Delivery ids covered, oldest first. */
  deliveries: string[];
  ref: string;
  /** The newest `after` covered: the commit HEAD must contain for a success. */
  requestedSha: string;
  headBefore: string | null;
  headAfter: string | null;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  /** git and command output, capped. */
  log: string;
}

export function isFinished(deployment: Deployment): boolean {
  return deployment.status === 'succeeded' || deployment.status === 'failed';
}
