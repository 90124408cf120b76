import type { ForgeCallError } from './forge-call-error.js';
import type { ReportLimits } from './report-limits.js';

/** IMF-fixdate, the form HTTP dates are sent in: `Wed, 21 Oct 2015 07:28:00 GMT`. */
const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * Worth another try: no answer, a 5xx, a 429, or a 403 that is a rate limit. Any other
 * answer (401, 404, 422) will not change by asking again.
 */
export function isRetryable(error: ForgeCallError): boolean {
  if (error.status === undefined) return true;
  if (error.status === 429 || error.status >= 500) return true;
  return error.status === 403 && error.rateLimited;
}

/** `Retry-After` in milliseconds from `now`: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  const text = value?.trim();
  if (text === undefined || text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!HTTP_DATE.test(text)) return undefined;
  return Math.max(0, Date.parse(text) - now);
}

/** The wait before try `failures + 1`: what the forge asked for, else a doubling backoff; capped either way. */
export function retryDelayMs(error: ForgeCallError, failures: number, limits: ReportLimits, now: number): number {
  const asked = retryAfterMs(error.retryAfter, now);
  const backoff = limits.firstRetryDelayMs * 2 ** Math.max(0, failures - 1);
  return Math.min(asked ?? backoff, limits.maxRetryDelayMs);
}
