import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { HttpError } from './http-error.js';

/**
 * Every error answer is `{ "error": "..." }`. Anything that is not an HttpException is
 * a bug: it is logged and answered 500 without details, and the process keeps serving.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    if (exception instanceof HttpError) {
      sendError(res, exception.getStatus(), exception.error);
      return;
    }
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      const error =
        typeof body === 'object' &&
        body !== null &&
        'error' in body &&
        typeof body.error === 'string' &&
        !('statusCode' in body)
          ? body.error
          : exception.message;
      sendError(res, exception.getStatus(), error);
      return;
    }
    this.logger.error(
      `unexpected error: ${exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)}`,
    );
    sendError(res, 500, 'internal error');
  }
}

/**
 * What `res.status().json()` sends, written in one piece: Express would look the type up,
 * re-parse it for a charset and turn the text into a Buffer first, which costs more than
 * the rest of a 401 (issue 4's reject benchmark).
 */
function sendError(res: Response, status: number, error: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify({ error }));
}
