import type { Server, ServerResponse } from 'node:http';

/**
 * Set on every answer before any route runs, so that errors, 404s of unknown routes and
 * every controller get them without each remembering to. Answers are live state (and the
 * admin's command output): no cache may keep them. `nosniff`: a log that contains HTML
 * must never be rendered as a page. The dashboard's page and the event stream replace
 * Cache-Control with their own.
 */
export function noStoreHeaders(res: ServerResponse): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
}

/**
 * On the HTTP server itself, ahead of Express: an Express middleware would cost every
 * request one more router layer (a URL parse and a match), a measurable share of the
 * cost of turning away a flood of unsigned deliveries.
 */
export function sendNoStoreHeaders(server: Server): void {
  server.prependListener('request', (_req, res: ServerResponse) => noStoreHeaders(res));
}
