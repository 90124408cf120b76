import { HttpException } from '@nestjs/common';

/** An HttpException whose response body is the contract's `{ "error": ... }`. */
export function httpError(status: number, error: string): HttpException {
  return new HttpException({ error }, status);
}
