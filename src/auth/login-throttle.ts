import { Injectable } from '@nestjs/common';
import type { HttpException } from '@nestjs/common';
import { httpError } from '../common/http-error.js';

/** Failed attempts at the admin token one address may make per window before it has to wait. */
export const MAX_FAILED_LOGINS = 10;
export const LOGIN_WINDOW_MS = 10 * 60_000;
// Bounds memory under a flood from many addresses; the oldest entries go first.
const MAX_TRACKED_ADDRESSES = 10_000;

/**
 * Counts failed attempts at the admin token per client address, through the login form or
 * as a bearer token: after MAX_FAILED_LOGINS failures within LOGIN_WINDOW_MS, that
 * address's further failures are answered 429 until the window ends. Only failures are
 * counted and only failures refused: a right token always passes, so whoever shares the
 * address (everyone, behind a proxy without TRUST_PROXY) cannot lock out the scripts and
 * people who know it. A success does not reset the count either, or a guesser sharing the
 * address would get a fresh budget each time someone else signs in. (A session cookie
 * cannot be guessed: it is signed with a key derived from the token.)
 */
@Injectable()
export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();

  /** Milliseconds `address` must wait before its failures are answered 401 again; 0 when now. */
  retryAfterMs(address: string, now = Date.now()): number {
    const entry = this.failures.get(address);
    if (!entry || entry.resetAt <= now) return 0;
    return entry.count >= MAX_FAILED_LOGINS ? entry.resetAt - now : 0;
  }

  failed(address: string, now = Date.now()): void {
    const entry = this.failures.get(address);
    if (entry && entry.resetAt > now) {
      entry.count += 1;
      return;
    }
    this.failures.delete(address);
    if (this.failures.size >= MAX_TRACKED_ADDRESSES) this.failures.delete(this.failures.keys().next().value!);
    this.failures.set(address, { count: 1, resetAt: now + LOGIN_WINDOW_MS });
  }

  /**
   * The answer to a wrong token from `address`: counted, then the 429 (with Retry-After on
   * `res`) once the address is over its budget, else `unauthorized`.
   */
  refuse(
    address: string,
    res: { setHeader(name: string, value: string): unknown },
    unauthorized: () => HttpException,
  ): HttpException {
    const waitMs = this.retryAfterMs(address);
    if (waitMs > 0) return tooManyAttempts(res, waitMs);
    this.failed(address);
    return unauthorized();
  }
}

/** The 429 for an address that has to wait; sets Retry-After on `res`. */
export function tooManyAttempts(
  res: { setHeader(name: string, value: string): unknown },
  waitMs: number,
): HttpException {
  const seconds = Math.ceil(waitMs / 1000);
  res.setHeader('Retry-After', String(seconds));
  return httpError(429, `too many failed attempts from this address; try again in ${seconds} s`);
}
