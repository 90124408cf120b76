import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';

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
      res.status(exception.getStatus()).json({ error });
      return;
    }
    this.logger.error(
      `unexpected error: ${exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)}`,
    );
    res.status(500).json({ error: 'internal error' });
  }
}
