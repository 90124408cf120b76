import type { IncomingMessage } from 'node:http';
import type { BodyReservation } from './body-budget.js';

/** GitHub caps payloads at 25 MiB and never sends more. */
export const MAX_BODY_BYTES = 25 * 1024 * 1024;

export type RawBodyRequest = IncomingMessage & { rawBody?: Buffer };

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`body larger than ${limit} bytes`);
  }
}

/** The body does not fit into what is left of the WEBHOOK_BODY_BUDGET: a 503, try later. */
export class BodyBudgetExceededError extends Error {
  constructor() {
    super('too many webhook bodies in flight');
  }
}

/** Content-Length as a number; undefined without one (chunked). Node has already checked its form. */
function declaredLength(req: IncomingMessage): number | undefined {
  const header = req.headers['content-length'];
  return header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
}

/**
 * Reads the body as bytes without interpreting it: the signature is computed over
 * exactly these bytes, before anything parses them. A declared or actual size over
 * `limit` stops reading at once, so an oversized body costs no more than `limit` bytes.
 *
 * With a `reservation`, no byte is kept that it does not hold: a declared length is
 * reserved before the first byte is read, a chunked body chunk by chunk, and a refusal
 * stops reading with a BodyBudgetExceededError. On every failure the reservation is
 * released here; after a success the caller releases it once it no longer needs the body.
 */
export function readRawBody(
  req: IncomingMessage,
  limit = MAX_BODY_BYTES,
  reservation?: BodyReservation,
): Promise<Buffer> {
  const declared = declaredLength(req);
  if (declared !== undefined && declared > limit) return Promise.reject(new BodyTooLargeError(limit));
  if (declared !== undefined && reservation && !reservation.grow(declared)) {
    return Promise.reject(new BodyBudgetExceededError());
  }
  return new Promise((resolve, reject) => {
    // With a known length the bytes are copied into one buffer as they arrive: each
    // socket chunk is garbage at once, and no second copy is made at the end.
    const whole = declared === undefined ? undefined : Buffer.allocUnsafe(declared);
    let chunks: Buffer[] = [];
    let size = 0;
    const fail = (error: Error): void => {
      cleanup();
      chunks = [];
      reservation?.release();
      req.pause();
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      if (size + chunk.length > (whole?.length ?? limit)) return fail(new BodyTooLargeError(limit));
      if (whole) {
        chunk.copy(whole, size);
      } else {
        if (reservation && !reservation.grow(chunk.length)) return fail(new BodyBudgetExceededError());
        chunks.push(chunk);
      }
      size += chunk.length;
    };
    const onEnd = (): void => {
      cleanup();
      const body = whole ? whole.subarray(0, size) : Buffer.concat(chunks, size);
      chunks = [];
      resolve(body);
    };
    const onError = (error: Error): void => fail(error);
    // A client that disconnects mid-body: some Node versions emit only `close`.
    const onClose = (): void => fail(new Error('the connection closed before the body was received'));
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
