import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sign } from '../../src/webhook/verify-signature.js';
import { request, type JsonAnswer } from './http.js';

interface WebhookDefinition {
  name: string;
  examples: Record<string, unknown>[];
}

/**
 * GitHub's own example of a branch push from @octokit/webhooks-examples (most of its
 * push examples are tag pushes or deletions), so the service sees a real payload shape.
 */
function branchPushExample(): Record<string, unknown> {
  const require = createRequire(import.meta.url);
  const file = require.resolve('@octokit/webhooks-examples/api.github.com/index.json');
  const definitions = JSON.parse(readFileSync(file, 'utf8')) as WebhookDefinition[];
  const example = definitions
    .find((definition) => definition.name === 'push')
    ?.examples.find((payload) => String(payload.ref).startsWith('refs/heads/') && payload.deleted === false);
  if (!example) throw new Error('@octokit/webhooks-examples has no branch-push example');
  return example;
}

export interface PushDelivery {
  id: string;
  body: string;
}

/** The example payload pointed at our branch and commits; the rest stays GitHub's sample data. */
export function pushDelivery(ref: string, before: string, after: string): PushDelivery {
  const payload = { ...branchPushExample(), ref, before, after };
  return { id: randomUUID(), body: JSON.stringify(payload) };
}

/** POSTs the delivery with the headers GitHub sends, signed with `secret`. */
export function sendDelivery(url: string, delivery: PushDelivery, secret: string): Promise<JsonAnswer> {
  return request(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/hookdeploy-demo',
      'x-github-event': 'push',
      'x-github-delivery': delivery.id,
      'x-hub-signature-256': sign(secret, delivery.body),
    },
    body: delivery.body,
  });
}
