/** The same-origin HTTP API of hookdeploy, as the dashboard uses it (cookie session + CSRF header). */

export type DeploymentStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface Deployment {
  id: number;
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
  log?: string;
}

export interface Session {
  branch: string;
  repository: string | null;
  repositoryUrl: string | null;
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

export async function listDeployments(limit: number): Promise<Deployment[]> {
  return (await (await call(`/deployments?limit=${limit}&log=false`)).json()) as Deployment[];
}

export async function getDeployment(id: number): Promise<Deployment> {
  return (await (await call(`/deployments/${id}`)).json()) as Deployment;
}

/** Fetches origin and deploys the branch tip; returns the new deployment's id. */
export async function deployNow(): Promise<number> {
  const response = await call('/deployments', {
    method: 'POST',
    headers: { ...csrfHeaders(), 'Content-Type': 'application/json' },
    body: '{}',
  });
  return ((await response.json()) as { deploymentId: number }).deploymentId;
}

export function eventsUrl(id: number): string {
  return `/deployments/${id}/events`;
}
