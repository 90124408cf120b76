import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, readRawBody } from './raw-body.js';
import { mediaType } from './headers.js';
import { httpError } from './http-error.js';

/** Bodies of the API and the login form are a few bytes; anything bigger is a mistake. */
export const SMALL_BODY_BYTES = 4096;

/**
 * The fields of a small JSON object or form body; an empty body is `{}`. Every bad
 * body is a 4xx HttpException with the contract's `{ "error" }` shape.
 */
export async function readSmallBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  let raw: Buffer;
  try {
    raw = await readRawBody(req, SMALL_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      // The rest is not read: Node would otherwise discard an endless body until
      // REQUEST_TIMEOUT. Express links the response to its request.
      (req as IncomingMessage & { res?: ServerResponse }).res?.setHeader('Connection', 'close');
      throw httpError(413, `body larger than ${SMALL_BODY_BYTES} bytes`);
    }
    throw httpError(400, 'the request body could not be read');
  }
  if (raw.length === 0) return {};
  const type = mediaType(req.headers);
  if (type === 'application/x-www-form-urlencoded') {
    return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
  }
  if (type !== 'application/json') {
    throw httpError(
      415,
      `content type must be application/json or application/x-www-form-urlencoded (got ${type || 'none'})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw httpError(400, 'body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw httpError(400, 'body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}
