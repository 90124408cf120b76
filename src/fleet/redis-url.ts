import type { Environment } from '../config/env.schema.js';

/** The variable naming the fleet's broker; it may hold a password, so it is a secret. */
export const REDIS_URL_VARIABLE = 'REDIS_URL';

/** REDIS_URL as given (trimmed), undefined when unset; a problem line when it is not a redis(s):// URL. */
export function parseRedisUrl(env: Environment): { url: string | undefined } | { problem: string } {
  const raw = env[REDIS_URL_VARIABLE]?.trim();
  if (!raw) return { url: undefined };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Never the value: it may hold a password.
    return { problem: `${REDIS_URL_VARIABLE} must be a redis:// or rediss:// URL` };
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    return { problem: `${REDIS_URL_VARIABLE} must be a redis:// or rediss:// URL (got the scheme ${url.protocol})` };
  }
  if (url.hostname === '') return { problem: `${REDIS_URL_VARIABLE} must name a host` };
  return { url: raw };
}

/** The URL without its password, for a log line: `redis://hookdeploy:***@host:6379/0`. */
export function redactedRedisUrl(raw: string): string {
  const url = new URL(raw);
  if (url.password !== '') url.password = '***';
  return url.toString();
}
