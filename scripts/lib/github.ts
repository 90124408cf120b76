import { randomUUID } from 'node:crypto';
import { pushPayload, signedDelivery } from '../../test/fixtures/deliveries.js';
import { request, type JsonAnswer } from './http.js';

export interface PushDelivery {
  id: string;
  payload: Record<string, unknown>;
}

/**
 * GitHub's own branch-push example (from @octokit/webhooks-examples, the same one the
 * tests use) pointed at our branch and commits; the rest stays GitHub's sample data.
 */
export function pushDelivery(ref: string, before: string, after: string): PushDelivery {
  return { id: randomUUID(), payload: pushPayload({ ref, before, after }) };
}

/** POSTs the delivery with the headers GitHub sends, signed with `secret`. */
export function sendDelivery(url: string, delivery: PushDelivery, secret: string): Promise<JsonAnswer> {
  const { headers, body } = signedDelivery(delivery.payload, { secret, id: delivery.id });
  return request(url, { method: 'POST', headers, body });
}
