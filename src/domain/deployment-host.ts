/** What one host of a fleet deployment did (issue 13): `GET /deployments/:id` lists them as `hosts`. */
export const HOST_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'skipped'] as const;
export type HostStatus = (typeof HOST_STATUSES)[number];

export interface DeploymentHost {
  host: string;
  status: HostStatus;
  headBefore: string | null;
  headAfter: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** "host offline" when it never started within hostTimeout; "skipped: …" after a rolling failure. */
  error: string | null;
  /** The host's git and command output, capped as a deployment's log is. */
  log: string;
}
