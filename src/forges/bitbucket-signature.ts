import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Verification } from './forge.js';
import { header } from './read.js';
import { firstMatch, sameBytes } from './secrets.js';

/**
 * Bitbucket Cloud and Data Center both sign with `X-Hub-Signature: sha256=<hex>`, the
 * HMAC-SHA256 of the raw body (GitHub's SHA-256 scheme under GitHub's SHA-1 header name).
 */
export function verifyBitbucketSignature(
  headers: IncomingHttpHeaders,
  rawBody: Buffer,
  secrets: readonly string[],
): Verification {
  const signature = header(headers, 'x-hub-signature');
  if (signature === undefined) return { valid: false, reason: 'missing X-Hub-Signature header' };
  const separator = signature.indexOf('=');
  if (separator < 0) return { valid: false, reason: 'malformed X-Hub-Signature: expected sha256=<hex>' };
  if (signature.slice(0, separator) !== 'sha256') {
    return { valid: false, reason: 'malformed X-Hub-Signature: algorithm must be sha256' };
  }
  const hex = signature.slice(separator + 1);
  if (!/^[0-9a-f]{64}$/i.test(hex))
    return { valid: false, reason: 'malformed X-Hub-Signature: expected 64 hex digits' };
  const received = Buffer.from(hex, 'hex');
  return firstMatch(
    secrets,
    (secret) =>
      sameBytes(createHmac('sha256', secret).update(rawBody).digest(), received) ||
      'X-Hub-Signature does not match the body',
  );
}
