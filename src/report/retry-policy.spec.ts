import { describe, expect, it } from '@jest/globals';
import { ForgeCallError } from './forge-call-error.js';
import { REPORT_LIMITS } from './report-limits.js';
import { isRetryable, retryAfterMs, retryDelayMs } from './retry-policy.js';

describe('the retry rules', () => {
  it.each([
    [undefined, false, true],
    [500, false, true],
    [502, false, true],
    [503, false, true],
    [429, false, true],
    [403, true, true],
    [403, false, false],
    [400, false, false],
    [401, false, false],
    [404, false, false],
    [422, false, false],
  ])('status %s (rate limited: %s) is retried: %s', (status, rateLimited, retried) => {
    expect(isRetryable(new ForgeCallError('x', status, undefined, rateLimited))).toBe(retried);
  });

  it('reads Retry-After as seconds or as an HTTP date, and ignores anything else', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:27:00 GMT', now)).toBe(0);
    expect(retryAfterMs('1.5', now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs('', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });

  it('waits what the forge asked, else 1 s doubling, capped at a minute', () => {
    const plain = new ForgeCallError('503', 503);
    expect([1, 2, 3, 4].map((failures) => retryDelayMs(plain, failures, REPORT_LIMITS, 0))).toEqual([
      1_000, 2_000, 4_000, 8_000,
    ]);
    expect(retryDelayMs(plain, 20, REPORT_LIMITS, 0)).toBe(60_000);
    expect(retryDelayMs(new ForgeCallError('429', 429, '3'), 5, REPORT_LIMITS, 0)).toBe(3_000);
    expect(retryDelayMs(new ForgeCallError('429', 429, '3600'), 1, REPORT_LIMITS, 0)).toBe(60_000);
  });
});
