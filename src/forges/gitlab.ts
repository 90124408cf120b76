import { isZeroCommit } from '../domain/push.js';
import type { ForgeAdapter, ForgeEvent } from './forge.js';
import { at, header, isObject, text } from './read.js';
import { firstMatch, sameSecret } from './secrets.js';
import { SIGNING_SECRET_PREFIX, verifyStandardWebhook } from './standard-webhooks.js';

/**
 * GitLab names the event in X-Gitlab-Event. Every event but a push is answered 200
 * "ignored", never a 4xx: GitLab disables a hook that keeps failing, and a project
 * hook set up for more events than pushes must not lose its pushes that way.
 *
 * A `Push Hook` whose JSON is not a push (no `object_kind: "push"`, no ref) is
 * different: it is authenticated, claims to be the event that deploys, and cannot be
 * read. It is answered 400 like any forge's unreadable push, so that it shows as failed
 * in the hook's "Recent events" (where it can be resent) instead of a quiet "ignored"
 * hiding a deploy that never happened. A body that is not JSON at all is a 400 before
 * any adapter runs, as for every forge.
 */
function normalize(event: string, payload: unknown): ForgeEvent {
  const kind = at(payload, 'object_kind');
  if (event === 'Tag Push Hook' || (event === 'Push Hook' && kind === 'tag_push')) {
    const ref = text(at(payload, 'ref'));
    return { kind: 'ignored', reason: ref === undefined ? `event "${event}" does not deploy` : `tag push ${ref}` };
  }
  if (event !== 'Push Hook') return { kind: 'ignored', reason: `event "${event}" does not deploy` };
  if (!isObject(payload) || kind !== 'push') {
    return { kind: 'invalid', reason: 'Push Hook payload has no object_kind "push"' };
  }
  const after = text(payload.after);
  return {
    kind: 'push',
    pushes: [
      {
        ref: text(payload.ref),
        before: text(payload.before),
        after,
        repository: text(at(payload, 'project.path_with_namespace')),
        // GitLab has no `deleted` field: a deleted branch's after is all zeros.
        deleted: isZeroCommit(after),
        repositoryField: 'project.path_with_namespace',
      },
    ],
  };
}

export const gitlab: ForgeAdapter = {
  name: 'gitlab',
  eventHeader: 'X-Gitlab-Event',
  deliveryIdHeader: 'Idempotency-Key',
  pushEvent: 'Push Hook',
  /**
   * The Standard Webhooks signature decides when it is sent and a `whsec_` secret is
   * configured (a wrong signature is not rescued by a right token); else X-Gitlab-Token,
   * compared on hashes of both sides so that neither its content nor its length leaks.
   */
  verify(headers, rawBody, secrets, now) {
    const signingSecrets = secrets.filter((secret) => secret.startsWith(SIGNING_SECRET_PREFIX));
    const signature = header(headers, 'webhook-signature');
    if (signature !== undefined && signingSecrets.length > 0) {
      const result = verifyStandardWebhook(
        { id: header(headers, 'webhook-id'), timestamp: header(headers, 'webhook-timestamp'), signature },
        rawBody,
        signingSecrets,
        now,
      );
      return result.valid ? { valid: true, secretIndex: secrets.indexOf(signingSecrets[result.secretIndex]!) } : result;
    }
    // A `whsec_` secret is a signing key, never a token: sent back as X-Gitlab-Token it
    // would skip the signature's five-minute window.
    if (signingSecrets.length === secrets.length) return { valid: false, reason: 'missing webhook-signature header' };
    const token = header(headers, 'x-gitlab-token');
    if (token === undefined) return { valid: false, reason: 'missing X-Gitlab-Token header' };
    return firstMatch(
      secrets,
      (secret) =>
        (!secret.startsWith(SIGNING_SECRET_PREFIX) && sameSecret(token, secret)) || 'X-Gitlab-Token does not match',
    );
  },
  event: (headers) => header(headers, 'x-gitlab-event'),
  // Idempotency-Key stays the same across GitLab's retries of one event; X-Gitlab-Event-UUID
  // is what older versions send.
  deliveryId: (headers) => header(headers, 'idempotency-key') ?? header(headers, 'x-gitlab-event-uuid'),
  normalize,
};
