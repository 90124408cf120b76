/** Failed logins one address may make per window before it has to wait. */
export const MAX_FAILED_LOGINS = 10;
export const LOGIN_WINDOW_MS = 10 * 60_000;
// Bounds memory under a flood from many addresses; the oldest entries go first.
const MAX_TRACKED_ADDRESSES = 10_000;

/**
 * Slows down guessing the admin token through the login form: after MAX_FAILED_LOGINS
 * failures from one address within LOGIN_WINDOW_MS, that address waits for the window to
 * end. A good token resets the count. The bearer API is not affected (it has no form to
 * guess through, and scripts must not be locked out by someone else's typos).
 */
export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();

  /** Milliseconds `address` must wait before trying again; 0 when it may try now. */
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

  succeeded(address: string): void {
    this.failures.delete(address);
  }
}
