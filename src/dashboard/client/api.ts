/** The same-origin HTTP API of hookdeploy, as the dashboard uses it (cookie session + CSRF header). */

export type DeploymentStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface Deployment {
  id: number;
  /** The target (work tree) it deploys: `default` in env-only mode. */
  target: string;
  status: DeploymentStatus;
  trigger: string;
  deliveries: string[];
  ref: string;
  /** Null while a manual deploy has not fetched yet. */
  requestedSha: string | null;
  headBefore: string | null;
  headAfter: string | null;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  /** Release mode: the release directory (`<id>-<sha7>`) it made or switched to; null in place. */
  release?: string | null;
  /** The last outcome of the report to the forge ("reported success to GitHub (deployment 1)"); null: none. */
  report?: string | null;
  log?: string;
  /** A rollback's deployment whose commit (or release) it returns to; absent for the other triggers. */
  rollbackOf?: number;
  /** A fleet deployment's hosts (issue 13); absent otherwise. */
  hosts?: DeploymentHost[];
}

/** What one host of a fleet deployment did. */
export interface DeploymentHost {
  host: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'skipped';
  headBefore: string | null;
  headAfter: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  log: string;
}

/** Branch and repository are the only target's; null when there are several (each is in `Target`). */
export interface Session {
  branch: string | null;
  repository: string | null;
  repositoryUrl: string | null;
}

/** One configured target as `GET /targets` describes it. */
export interface Target {
  id: string;
  forge: string;
  branch: string;
  repository: string | null;
  repoPath: string;
  strategy: string;
  mode: 'in-place' | 'release';
  /** Release mode: the release `current` points at (`42-58f4924`); null before the first, and in place. */
  current: string | null;
  /** Whether its work tree is a usable git work tree right now. */
  status: 'ok' | 'error';
  head: string | null;
  error?: string;
  lastDeployment?: Omit<Deployment, 'log'>;
  /** Paused: pushes are recorded but not deployed until it is resumed. */
  paused: boolean;
  pausedAt?: string;
  pausedReason?: string;
  /** A fleet target (issue 13): each host's status and commit in its newest deployment; the hub has no HEAD. */
  hosts?: { host: string; status: DeploymentHost['status'] | null; headAfter: string | null }[];
}

/** A non-2xx answer; `message` is the server's own `error` text when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function isFinished(status: DeploymentStatus): boolean {
  return status === 'succeeded' || status === 'failed';
}

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(path, { credentials: 'same-origin', cache: 'no-store', ...init });
  if (response.ok) return response;
  let message = `${response.status} ${response.statusText}`.trim();
  try {
    const body = (await response.json()) as { error?: unknown };
    if (typeof body.error === 'string') message = body.error;
  } catch {
    // Not JSON (a proxy's error page, say): the status line says enough.
  }
  throw new ApiError(response.status, message);
}

/** The session cookie is HttpOnly; its CSRF twin is readable so that writes can prove they come from this page. */
function csrfHeaders(): Record<string, string> {
  const cookie = document.cookie.split('; ').find((pair) => pair.startsWith('hookdeploy_csrf='));
  const token = cookie ? decodeURIComponent(cookie.slice('hookdeploy_csrf='.length)) : '';
  return { 'X-CSRF-Token': token };
}

/** The session, or null when not signed in. */
export async function getSession(): Promise<Session | null> {
  try {
    return (await (await call('/session')).json()) as Session;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export async function signIn(token: string): Promise<void> {
  await call('/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token }),
  });
}

export async function signOut(): Promise<void> {
  await call('/session', { method: 'DELETE', headers: csrfHeaders() });
}

/** The newest `limit` deployments, of one target when `target` is given. */
export async function listDeployments(limit: number, target: string | null): Promise<Deployment[]> {
  const query = new URLSearchParams({ limit: String(limit), log: 'false' });
  if (target !== null) query.set('target', target);
  return (await (await call(`/deployments?${query.toString()}`)).json()) as Deployment[];
}

export async function listTargets(): Promise<Target[]> {
  return (await (await call('/targets')).json()) as Target[];
}

export async function getDeployment(id: number): Promise<Deployment> {
  return (await (await call(`/deployments/${id}`)).json()) as Deployment;
}

/**
 * Fetches origin and deploys the target's branch tip; returns the new deployment's id.
 * Without a target the server picks the only one (and refuses when there are several).
 */
export async function deployNow(target: string | null): Promise<number> {
  const response = await call('/deployments', {
    method: 'POST',
    headers: { ...csrfHeaders(), 'Content-Type': 'application/json' },
    body: JSON.stringify(target === null ? {} : { target }),
  });
  return ((await response.json()) as { deploymentId: number }).deploymentId;
}

/** A rollback to what deployment `id` deployed (it pauses its target); returns the new deployment's id. */
export async function rollBack(id: number): Promise<number> {
  const response = await call(`/deployments/${id}/rollback`, { method: 'POST', headers: csrfHeaders() });
  return ((await response.json()) as { deploymentId: number }).deploymentId;
}

/** Pauses (`pause`) or resumes (`resume`) a target's deploys. */
export async function setPaused(target: string, change: 'pause' | 'resume'): Promise<void> {
  await call(`/targets/${encodeURIComponent(target)}/${change}`, { method: 'POST', headers: csrfHeaders() });
}

export function eventsUrl(id: number): string {
  return `/deployments/${id}/events`;
}
