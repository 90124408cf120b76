import { describe, expect, it } from '@jest/globals';
import { httpError } from '../common/http-error.js';
import { LOGIN_WINDOW_MS, LoginThrottle, MAX_FAILED_LOGINS } from './login-throttle.js';

const NOW = 1_800_000_000_000;

function throttleAfter(failures: number, address = '192.0.2.1'): LoginThrottle {
  const throttle = new LoginThrottle();
  for (let i = 0; i < failures; i += 1) throttle.failed(address, NOW + i);
  return throttle;
}

describe('LoginThrottle', () => {
  it(`lets an address try until its ${MAX_FAILED_LOGINS}th failure within the window`, () => {
    expect(throttleAfter(MAX_FAILED_LOGINS - 1).retryAfterMs('192.0.2.1', NOW + 100)).toBe(0);
    const waitMs = throttleAfter(MAX_FAILED_LOGINS).retryAfterMs('192.0.2.1', NOW + 100);
    expect(waitMs).toBe(LOGIN_WINDOW_MS - 100);
  });

  it('counts each address on its own', () => {
    expect(throttleAfter(MAX_FAILED_LOGINS).retryAfterMs('192.0.2.2', NOW + 100)).toBe(0);
  });

  it('lets the address try again once the window is over, with a fresh count', () => {
    const throttle = throttleAfter(MAX_FAILED_LOGINS);
    const later = NOW + LOGIN_WINDOW_MS;
    expect(throttle.retryAfterMs('192.0.2.1', later)).toBe(0);
    throttle.failed('192.0.2.1', later);
    expect(throttle.retryAfterMs('192.0.2.1', later + 1)).toBe(0);
  });

  it('answers a failure 401 and counts it, then 429 with Retry-After once the address is over its budget', () => {
    const throttle = new LoginThrottle();
    const headers: Record<string, string> = {};
    const res = { setHeader: (name: string, value: string) => (headers[name] = value) };
    const unauthorized = () => httpError(401, 'wrong admin token');
    const statuses = Array.from({ length: MAX_FAILED_LOGINS + 2 }, () =>
      throttle.refuse('192.0.2.1', res, unauthorized).getStatus(),
    );
    expect(statuses).toEqual([...Array(MAX_FAILED_LOGINS).fill(401), 429, 429]);
    expect(Number(headers['Retry-After'])).toBeGreaterThan(0);
    expect(throttle.refuse('192.0.2.2', res, unauthorized).getStatus()).toBe(401);
  });
});
