import { createHash, timingSafeEqual } from 'node:crypto';
import type { Verification } from './forge.js';

/**
 * Checks every secret, even after one matched, so the time taken does not say which
 * one did; the first match wins (the newest secret comes first). `check` answers true
 * or why the delivery does not match that secret.
 */
export function firstMatch(secrets: readonly string[], check: (secret: string) => true | string): Verification {
  let secretIndex = -1;
  let reason = 'no secret is configured';
  secrets.forEach((secret, index) => {
    const result = check(secret);
    if (result === true) {
      if (secretIndex < 0) secretIndex = index;
    } else {
      reason = result;
    }
  });
  return secretIndex >= 0 ? { valid: true, secretIndex } : { valid: false, reason };
}

/** Equal strings, compared in time independent of where they differ and of their lengths. */
export function sameSecret(a: string, b: string): boolean {
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Equal bytes in constant time; unequal lengths are simply unequal (a digest's length is public). */
export function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
