import { DEPLOYMENT_STATUSES } from '../domain/deployment.js';
import type { DeploymentQuery } from '../storage/deployments.store.js';
import { oneOf, parseId, parsePage, parseTarget } from './query-params.js';

export { DEFAULT_LIMIT, MAX_LIMIT } from './query-params.js';

/** A deployment id from the path; 400 for anything but a positive integer. */
export function parseDeploymentId(raw: string): number {
  return parseId(raw, 'deployment id');
}

/** `?target=&status=&limit=&before=&log=` of GET /deployments, each checked; 400 names the bad one. */
export function parseDeploymentQuery(query: Record<string, unknown>): DeploymentQuery & { withLog: boolean } {
  const target = parseTarget(query);
  const status = oneOf(query, 'status', DEPLOYMENT_STATUSES);
  const page = parsePage(query, 'a deployment id');
  const log = oneOf(query, 'log', ['true', 'false'] as const) ?? 'true';
  return {
    ...(target === undefined ? {} : { target }),
    ...(status === undefined ? {} : { status }),
    ...page,
    withLog: log === 'true',
  };
}
