import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { mediaType } from '../common/headers.js';
import type { ForgeAdapter } from '../forges/forge.js';
import { github } from '../forges/github.js';

/** A verified request, reduced to what the decision needs. */
export interface Delivery {
  id: string;
  /** True when the forge sent no delivery id header and hookdeploy made up the id. */
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

/**
 * The forge's delivery id (X-GitHub-Delivery, X-Gitea-Delivery, Idempotency-Key, ...), or a
 * generated `local-<uuid>` (never a duplicate) when it is missing.
 */
export function deliveryIdOf(
  headers: IncomingHttpHeaders,
  forge: ForgeAdapter = github,
): { id: string; generatedId: boolean } {
  const id = forge.deliveryId(headers);
  return { id: id ?? `local-${randomUUID()}`, generatedId: id === undefined };
}

/** The payload of a body, or why it has none (415 or 400). */
export type PayloadResult = { payload: object } | { status: 400 | 415; message: string };

/**
 * Reads the payload out of the raw bytes. GitHub sends either `application/json` or
 * `application/x-www-form-urlencoded` with the JSON in the `payload` field; the other
 * forges only JSON (`jsonOnly`). The checks run in the contract's order: content type
 * (415), then body (400).
 *
 * Self-contained on purpose (no imports, no outside names, no throw of a class from
 * here): a worker thread runs its source text for big bodies, see parse-off-thread.ts.
 */
export function readPayload(type: string, body: Uint8Array, jsonOnly = false): PayloadResult {
  const parseJson = (text: string, what: string): PayloadResult => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { status: 400, message: `${what} is not valid JSON` };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { status: 400, message: 'payload must be a JSON object' };
    }
    return { payload: value };
  };
  if (type === 'application/json') return parseJson(new TextDecoder().decode(body), 'body');
  if (type === 'application/x-www-form-urlencoded' && !jsonOnly) {
    const field = new URLSearchParams(new TextDecoder().decode(body)).get('payload');
    if (field === null) return { status: 400, message: 'form body has no payload field' };
    return parseJson(field, 'payload field');
  }
  return {
    status: 415,
    message: jsonOnly
      ? `content type must be application/json (got ${type || 'none'})`
      : `content type must be application/json or application/x-www-form-urlencoded (got ${type || 'none'})`,
  };
}

/** Only GitHub offers the form-encoded body; every other forge sends JSON. */
export function acceptsFormBodies(forge: ForgeAdapter): boolean {
  return forge.name === 'github';
}

/** Turns the raw bytes into a Delivery: the payload first, then the event header (400). */
export function parseDelivery(headers: IncomingHttpHeaders, body: Buffer, forge: ForgeAdapter = github): Delivery {
  return toDelivery(headers, readPayload(mediaType(headers), body, !acceptsFormBodies(forge)), forge);
}

export function toDelivery(
  headers: IncomingHttpHeaders,
  result: PayloadResult,
  forge: ForgeAdapter = github,
): Delivery {
  if ('status' in result) throw new DeliveryError(result.status, result.message);
  const event = forge.event(headers);
  if (event === undefined) throw new DeliveryError(400, `missing ${forge.eventHeader} header`);
  return { ...deliveryIdOf(headers, forge), event, payload: result.payload };
}
