/**
 * What the hub and its agents say to each other through Redis, and nothing else: a job
 * names a target, a deployment and a commit. An agent never takes a command, a path or
 * anything else to run from the broker (least authority: its own file says what to run).
 */
export interface FleetJob {
  target: string;
  deployment: number;
  /** The pushed commit; null for a manual deploy (the tip of the agent's branch). */
  commit: string | null;
}

/** An agent's answer: the job's return value. A refusal (unknown target) is a failed job instead. */
export interface FleetJobResult {
  status: 'succeeded' | 'failed';
  headBefore: string | null;
  headAfter: string | null;
  error: string | null;
}

/** Every key hookdeploy writes starts with `hookdeploy:` (the ACL in the README grants `~hookdeploy:*`). */
export const KEY_PREFIX = 'hookdeploy';
export const JOB_NAME = 'deploy';

/** One BullMQ queue per host: `hookdeploy:host-web-1:*` (BullMQ refuses `:` in a queue name). */
export function hostQueueName(host: string): string {
  return `host-${host}`;
}

/**
 * The job's id: the same on every dispatch of that host's share of the deployment, so
 * that a hub handing it over again after a crash adds nothing (BullMQ ignores an id it
 * holds). The queue time keeps ids apart if a hub starts over with a new database.
 */
export function fleetJobId(target: string, deploymentId: number, queuedAt: string): string {
  return `${target}-${deploymentId}-${Date.parse(queuedAt)}`;
}

/** Keep finished jobs a day (the hub reads their results from them), at most 1000 per host. */
export const KEEP_FINISHED = { age: 86_400, count: 1000 };

export function isFleetJob(data: unknown): data is FleetJob {
  if (typeof data !== 'object' || data === null) return false;
  const job = data as Record<string, unknown>;
  return (
    typeof job.target === 'string' &&
    Number.isSafeInteger(job.deployment) &&
    (job.commit === null || (typeof job.commit === 'string' && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(job.commit)))
  );
}
