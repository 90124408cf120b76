import { HttpException } from '@nestjs/common';

/** An HttpException whose response body is the contract's `{ "error": ... }`. */
export function httpError(status: number, error: string): HttpException {
  return new HttpException({ error }, status);
}

/** The 404 of a route that is switched off, worded exactly like Nest's for a route that does not exist. */
export function notFound(req: { method: string; originalUrl: string }): HttpException {
  return httpError(404, `Cannot ${req.method} ${req.originalUrl}`);
}
