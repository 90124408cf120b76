import { httpError } from '../common/http-error.js';
import { DEPLOYMENT_STATUSES, type DeploymentStatus } from '../deploy/deployment.js';
import type { DeploymentQuery } from '../deploy/deployment.store.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

// At most 15 digits: every such id is exact as a JavaScript number.
const ID = /^[1-9]\d{0,14}$/;

/** A deployment id from the path; 400 for anything but a positive integer. */
export function parseDeploymentId(raw: string): number {
  if (!ID.test(raw)) throw httpError(400, 'deployment id must be a positive integer');
  return Number(raw);
}

function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw httpError(400, `${name} must be given once`);
  return value;
}

/** `?status=&limit=&before=&log=` of GET /deployments, each checked; 400 names the bad one. */
export function parseDeploymentQuery(query: Record<string, unknown>): DeploymentQuery & { withLog: boolean } {
  const status = single(query, 'status');
  if (status !== undefined && !DEPLOYMENT_STATUSES.includes(status as DeploymentStatus)) {
    throw httpError(400, `status must be one of ${DEPLOYMENT_STATUSES.join(', ')}`);
  }
  const limit = single(query, 'limit') ?? String(DEFAULT_LIMIT);
  if (!ID.test(limit) || Number(limit) > MAX_LIMIT) {
    throw httpError(400, `limit must be an integer from 1 to ${MAX_LIMIT}`);
  }
  const before = single(query, 'before');
  if (before !== undefined && !ID.test(before)) throw httpError(400, 'before must be a deployment id');
  const log = single(query, 'log') ?? 'true';
  if (log !== 'true' && log !== 'false') throw httpError(400, 'log must be true or false');
  return {
    ...(status === undefined ? {} : { status: status as DeploymentStatus }),
    ...(before === undefined ? {} : { before: Number(before) }),
    limit: Number(limit),
    withLog: log === 'true',
  };
}
