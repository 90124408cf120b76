import { httpError } from '../common/http-error.js';
import { TARGET_ID_PATTERN } from '../domain/target.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

// At most 15 digits: every such id is exact as a JavaScript number.
const ID = /^[1-9]\d{0,14}$/;

/** A positive integer id; 400 naming `what` for anything else. */
export function parseId(raw: string, what: string): number {
  if (!ID.test(raw)) throw httpError(400, `${what} must be a positive integer`);
  return Number(raw);
}

/** One query parameter's value; 400 when it is given more than once. */
export function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw httpError(400, `${name} must be given once`);
  return value;
}

/** A parameter that must be one of `allowed`, if given. */
export function oneOf<T extends string>(
  query: Record<string, unknown>,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const value = single(query, name);
  if (value !== undefined && !allowed.includes(value as T)) {
    throw httpError(400, `${name} must be one of ${allowed.join(', ')}`);
  }
  return value as T | undefined;
}

/** `?limit=&before=`: newest first, `limit` of them, strictly older than `before`. */
export function parsePage(query: Record<string, unknown>, beforeWhat: string): { limit: number; before?: number } {
  const limit = single(query, 'limit') ?? String(DEFAULT_LIMIT);
  if (!ID.test(limit) || Number(limit) > MAX_LIMIT) {
    throw httpError(400, `limit must be an integer from 1 to ${MAX_LIMIT}`);
  }
  const before = single(query, 'before');
  if (before !== undefined && !ID.test(before)) throw httpError(400, `before must be ${beforeWhat}`);
  return { limit: Number(limit), ...(before === undefined ? {} : { before: Number(before) }) };
}

/**
 * `?target=`, if given: a well-formed target id, else 400. An id no target has simply
 * matches nothing (a removed target's history is still listed under its id).
 */
export function parseTarget(query: Record<string, unknown>): string | undefined {
  const target = single(query, 'target');
  if (target !== undefined && !TARGET_ID_PATTERN.test(target)) {
    throw httpError(400, 'target must be a target id: lowercase letters, digits and -, at most 63');
  }
  return target;
}
