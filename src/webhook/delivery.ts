import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** A verified request, reduced to what the decision needs. */
export interface Delivery {
  id: string;
  /** True when GitHub sent no X-GitHub-Delivery and hookdeploy made up the id. */
  generatedId: boolean;
  event: string;
  /** A JSON object: anything else is refused with 400. */
  payload: object;
}

/** A request that is signed but not a delivery hookdeploy can read: 415 or 400. */
export class DeliveryError extends Error {
  constructor(
    readonly status: 400 | 415,
    message: string,
  ) {
    super(message);
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first.trim() === '' ? undefined : first.trim();
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new DeliveryError(400, `${what} is not valid JSON`);
  }
}

/**
 * Turns the raw bytes into a Delivery. GitHub sends either `application/json` or
 * `application/x-www-form-urlencoded` with the JSON in the `payload` field; the checks
 * run in the contract's order: content type (415), body (400), event header (400).
 */
export function parseDelivery(headers: IncomingHttpHeaders, body: Buffer): Delivery {
  const mediaType = (header(headers, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  let payload: unknown;
  if (mediaType === 'application/json') {
    payload = parseJson(body.toString('utf8'), 'body');
  } else if (mediaType === 'application/x-www-form-urlencoded') {
    const field = new URLSearchParams(body.toString('utf8')).get('payload');
    if (field === null) throw new DeliveryError(400, 'form body has no payload field');
    payload = parseJson(field, 'payload field');
  } else {
    throw new DeliveryError(
      415,
      `content type must be application/json or application/x-www-form-urlencoded (got ${mediaType || 'none'})`,
    );
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new DeliveryError(400, 'payload must be a JSON object');
  }

  const event = header(headers, 'x-github-event');
  if (event === undefined) throw new DeliveryError(400, 'missing X-GitHub-Event header');
  const id = header(headers, 'x-github-delivery');
  return { id: id ?? `local-${randomUUID()}`, generatedId: id === undefined, event, payload };
}
