import type { NextFunction, Request, Response } from 'express';

/**
 * Set on every answer before any route runs, so that errors, 404s of unknown routes and
 * every controller get them without each remembering to. Answers are live state (and the
 * admin's command output): no cache may keep them. `nosniff`: a log that contains HTML
 * must never be rendered as a page. The dashboard's page and the event stream replace
 * Cache-Control with their own.
 */
export function noStoreHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  next();
}
