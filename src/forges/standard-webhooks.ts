import { createHmac } from 'node:crypto';
import type { Verification } from './forge.js';
import { firstMatch, sameBytes } from './secrets.js';

/** Secrets of this form are Standard Webhooks signing keys: `whsec_` + base64 of the key. */
export const SIGNING_SECRET_PREFIX = 'whsec_';
/** How far `webhook-timestamp` may be from now, either way: the spec's replay window. */
export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

export interface StandardWebhookHeaders {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

/**
 * The Standard Webhooks signature (https://www.standardwebhooks.com, what GitLab's
 * signing token sends): `webhook-signature` holds space-separated `v1,<base64>` entries,
 * each an HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<raw body>` keyed with the
 * base64-decoded secret; one matching entry is enough. The timestamp bounds replays.
 */
export function verifyStandardWebhook(
  headers: StandardWebhookHeaders,
  rawBody: Buffer,
  signingSecrets: readonly string[],
  now: Date,
): Verification {
  if (headers.id === undefined) return { valid: false, reason: 'missing webhook-id header' };
  if (headers.timestamp === undefined) return { valid: false, reason: 'missing webhook-timestamp header' };
  if (headers.signature === undefined) return { valid: false, reason: 'missing webhook-signature header' };
  if (!/^\d{1,12}$/.test(headers.timestamp)) {
    return { valid: false, reason: 'malformed webhook-timestamp: expected Unix seconds' };
  }
  const skew = Number(headers.timestamp) - Math.floor(now.getTime() / 1000);
  if (skew < -TIMESTAMP_TOLERANCE_SECONDS) return { valid: false, reason: 'webhook-timestamp is too old' };
  if (skew > TIMESTAMP_TOLERANCE_SECONDS) return { valid: false, reason: 'webhook-timestamp is in the future' };

  const received = headers.signature
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry.slice(3), 'base64'));
  if (received.length === 0) return { valid: false, reason: 'malformed webhook-signature: expected v1,<base64>' };

  const signed = Buffer.concat([Buffer.from(`${headers.id}.${headers.timestamp}.`), rawBody]);
  return firstMatch(signingSecrets, (secret) => {
    const key = Buffer.from(secret.slice(SIGNING_SECRET_PREFIX.length), 'base64');
    const expected = createHmac('sha256', key).update(signed).digest();
    // Every entry is compared, so the time taken does not say which one matched.
    const matches = received.map((signature) => sameBytes(expected, signature));
    return matches.includes(true) || 'webhook-signature does not match the body';
  });
}
