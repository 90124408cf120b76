import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureHeaders = {
  /** `X-Hub-Signature-256`: `sha256=<64 hex>`. */
  sha256?: string | undefined;
  /** `X-Hub-Signature`: `sha1=<40 hex>`, the only one the original tutorial checked. */
  sha1?: string | undefined;
};

export type SignatureCheck = { valid: true; algorithm: 'sha256' | 'sha1' } | { valid: false; reason: string };

const DIGEST_HEX_LENGTH = { sha256: 64, sha1: 40 } as const;

/**
 * Checks GitHub's HMAC over the exact bytes received. SHA-256 decides when its header
 * is present (a bad SHA-256 is not rescued by a good SHA-1); SHA-1 only when it is the
 * sole header. Reasons never contain the expected digest.
 */
export function verifySignature(secret: string, body: Buffer, headers: SignatureHeaders): SignatureCheck {
  if (headers.sha256 !== undefined) return check('sha256', secret, body, headers.sha256);
  if (headers.sha1 !== undefined) return check('sha1', secret, body, headers.sha1);
  return { valid: false, reason: 'missing X-Hub-Signature-256 header' };
}

function check(algorithm: 'sha256' | 'sha1', secret: string, body: Buffer, header: string): SignatureCheck {
  const headerName = algorithm === 'sha256' ? 'X-Hub-Signature-256' : 'X-Hub-Signature';
  const separator = header.indexOf('=');
  if (separator < 0) return { valid: false, reason: `malformed ${headerName}: expected ${algorithm}=<hex>` };
  const prefix = header.slice(0, separator);
  const hex = header.slice(separator + 1);
  if (prefix !== algorithm) return { valid: false, reason: `malformed ${headerName}: algorithm must be ${algorithm}` };
  if (hex.length !== DIGEST_HEX_LENGTH[algorithm] || !/^[0-9a-f]+$/i.test(hex)) {
    return { valid: false, reason: `malformed ${headerName}: expected ${DIGEST_HEX_LENGTH[algorithm]} hex digits` };
  }
  const expected = createHmac(algorithm, secret).update(body).digest();
  const received = Buffer.from(hex, 'hex');
  // Lengths are equal by the check above; timingSafeEqual would throw otherwise.
  return timingSafeEqual(expected, received)
    ? { valid: true, algorithm }
    : { valid: false, reason: `${headerName} does not match the body` };
}

/** `sha256=<hex>` for a body: what GitHub sends, and what tests and the demo sign with. */
export function sign(secret: string, body: Buffer | string, algorithm: 'sha256' | 'sha1' = 'sha256'): string {
  return `${algorithm}=${createHmac(algorithm, secret).update(body).digest('hex')}`;
}
