import type { IncomingHttpHeaders } from 'node:http';
import type { ForgeAdapter, ForgeEvent, Verification } from './forge.js';
import { verifySignature } from './github-signature.js';
import { at, header, isObject, sentHeader, text } from './read.js';
import { firstMatch } from './secrets.js';

/** GitHub's push, or any forge that copies its payload (Gitea, Forgejo). */
export function githubStylePush(payload: unknown, deleted: boolean): ForgeEvent {
  if (!isObject(payload)) return { kind: 'invalid', reason: 'push payload is not a JSON object' };
  return {
    kind: 'push',
    pushes: [
      {
        ref: text(payload.ref),
        before: text(payload.before),
        after: text(payload.after),
        repository: text(at(payload, 'repository.full_name')),
        deleted,
        repositoryField: 'repository.full_name',
      },
    ],
  };
}

/** X-Hub-Signature-256 (else X-Hub-Signature) with any of the secrets. */
export function verifyGithubSignature(
  headers: IncomingHttpHeaders,
  rawBody: Buffer,
  secrets: readonly string[],
): Verification {
  const signatures = {
    sha256: sentHeader(headers, 'x-hub-signature-256'),
    sha1: sentHeader(headers, 'x-hub-signature'),
  };
  return firstMatch(secrets, (secret) => {
    const result = verifySignature(secret, rawBody, signatures);
    return result.valid || result.reason;
  });
}

export const github: ForgeAdapter = {
  name: 'github',
  eventHeader: 'X-GitHub-Event',
  deliveryIdHeader: 'X-GitHub-Delivery',
  pushEvent: 'push',
  verify: (headers, rawBody, secrets) => verifyGithubSignature(headers, rawBody, secrets),
  event: (headers) => header(headers, 'x-github-event'),
  deliveryId: (headers) => header(headers, 'x-github-delivery'),
  normalize(event, payload) {
    if (event === 'ping') return { kind: 'ping' };
    if (event !== 'push') return { kind: 'ignored', reason: `event "${event}" does not deploy` };
    return githubStylePush(payload, at(payload, 'deleted') === true);
  },
};
