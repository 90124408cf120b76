export const DEPLOYMENT_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];
/**
 * What created the deployment: a webhook push, `POST /deployments`, a restart after a crash,
 * or `POST /deployments/:id/rollback`.
 */
export type DeploymentTrigger = 'push' | 'manual' | 'recovery' | 'rollback';

/** One run of git (and the deploy command) covering zero or more accepted deliveries. */
export interface Deployment {
  id: number;
  /** The target (work tree) it deploys: `default` in env-only mode. */
  target: string;
  status: DeploymentStatus;
  trigger: DeploymentTrigger;
  /** X-GitHub-Delivery ids covered, oldest first. */
  deliveries: string[];
  ref: string;
  /**
   * The newest `after` covered: the commit HEAD must contain for a success. Null for a
   * manual deployment until its fetch tells the branch tip (and so for good when it
   * failed before fetching).
   */
  requestedSha: string | null;
  headBefore: string | null;
  headAfter: string | null;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  /** Release mode: the release directory (`<id>-<sha7>`) it built or, a rollback, switched to; null in place. */
  release: string | null;
  /** git and command output, capped. */
  log: string;
  /** A `rollback`'s deployment whose `headAfter` (or release) it returns to; absent for every other trigger. */
  rollbackOf?: number;
}

export type DeploymentSummary = Omit<Deployment, 'log'>;

export function isFinished(deployment: Pick<Deployment, 'status'>): boolean {
  return deployment.status === 'succeeded' || deployment.status === 'failed';
}

/** The error of a deployment that was running when hookdeploy died. */
export const INTERRUPTED = 'interrupted';
