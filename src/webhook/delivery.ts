import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { headerValue, mediaType } from '../common/headers.js';

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

/** X-GitHub-Delivery, or a generated `local-<uuid>` (never a duplicate) when it is missing. */
export function deliveryIdOf(headers: IncomingHttpHeaders): { id: string; generatedId: boolean } {
  const id = headerValue(headers, 'x-github-delivery');
  return { id: id ?? `local-${randomUUID()}`, generatedId: id === undefined };
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
  const type = mediaType(headers);
  let payload: unknown;
  if (type === 'application/json') {
    payload = parseJson(body.toString('utf8'), 'body');
  } else if (type === 'application/x-www-form-urlencoded') {
    const field = new URLSearchParams(body.toString('utf8')).get('payload');
    if (field === null) throw new DeliveryError(400, 'form body has no payload field');
    payload = parseJson(field, 'payload field');
  } else {
    throw new DeliveryError(
      415,
      `content type must be application/json or application/x-www-form-urlencoded (got ${type || 'none'})`,
    );
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new DeliveryError(400, 'payload must be a JSON object');
  }

  const event = headerValue(headers, 'x-github-event');
  if (event === undefined) throw new DeliveryError(400, 'missing X-GitHub-Event header');
  return { ...deliveryIdOf(headers), event, payload };
}
