import type { Request } from 'express';

/**
 * Whose attempt this is, for the login throttle: `req.ip`, which is the TCP peer unless
 * TRUST_PROXY says which proxies' X-Forwarded-For to believe (Express's `trust proxy`).
 */
export function clientAddress(req: Pick<Request, 'ip' | 'socket'>): string {
  return req.ip ?? req.socket?.remoteAddress ?? 'unknown';
}
