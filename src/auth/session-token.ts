import { createHmac, randomBytes } from 'node:crypto';
import { constantTimeEqual } from '../common/constant-time-equal.js';

/** How long a dashboard login lasts. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

// Sessions are signed rather than stored: they survive a restart, and changing
// ADMIN_TOKEN ends every one of them.
function key(adminToken: string): Buffer {
  return createHmac('sha256', adminToken).update('hookdeploy session v1').digest();
}

function mac(adminToken: string, text: string): string {
  return createHmac('sha256', key(adminToken)).update(text).digest('base64url');
}

/** A new session value: `<expires ms>.<nonce>.<mac>`. */
export function issueSession(adminToken: string, now = Date.now()): string {
  const body = `${now + SESSION_TTL_MS}.${randomBytes(16).toString('base64url')}`;
  return `${body}.${mac(adminToken, body)}`;
}

export function isValidSession(adminToken: string, session: string, now = Date.now()): boolean {
  const match = /^(\d{1,15})\.([\w-]{1,64})\.([\w-]{43})$/.exec(session);
  if (!match) return false;
  const [, expires, nonce, signature] = match;
  return constantTimeEqual(signature!, mac(adminToken, `${expires}.${nonce}`)) && Number(expires) > now;
}

/**
 * The anti-CSRF token that goes with a session: a page of this origin can read it from
 * its cookie and echo it in a header; a page of another origin can do neither.
 */
export function csrfTokenFor(adminToken: string, session: string): string {
  return mac(adminToken, `csrf:${session}`);
}
