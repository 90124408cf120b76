import { ZERO_COMMIT, type PushEvent } from '../domain/push.js';
import { verifyBitbucketSignature } from './bitbucket-signature.js';
import type { ForgeAdapter, ForgeEvent } from './forge.js';
import { at, header, isObject, text } from './read.js';

// Bitbucket's ref types; anything else (Mercurial's named branches, long gone) never deploys.
const REF_PREFIX: Record<string, string> = { branch: 'refs/heads/', tag: 'refs/tags/', annotated_tag: 'refs/tags/' };

function refPrefix(type: string): string {
  return Object.hasOwn(REF_PREFIX, type) ? REF_PREFIX[type]! : `${type}:`;
}

/**
 * One entry of `push.changes[]`: `new` is the ref after the push (null when deleted),
 * `old` before it (null when created, which GitHub spells as an all-zeros before).
 */
function change(entry: unknown, repository: string | undefined): PushEvent {
  const now = at(entry, 'new');
  const old = at(entry, 'old');
  const ref = isObject(now) ? now : old;
  const type = text(at(ref, 'type'));
  const name = text(at(ref, 'name'));
  return {
    ref: type === undefined || name === undefined ? undefined : `${refPrefix(type)}${name}`,
    before: old === null ? ZERO_COMMIT : text(at(old, 'target.hash')),
    after: text(at(now, 'target.hash')),
    repository,
    deleted: now === null,
    repositoryField: 'repository.full_name',
  };
}

function normalize(event: string, payload: unknown): ForgeEvent {
  if (event !== 'repo:push') return { kind: 'ignored', reason: `event "${event}" does not deploy` };
  const changes = at(payload, 'push.changes');
  if (!Array.isArray(changes)) return { kind: 'invalid', reason: 'repo:push payload has no push.changes' };
  const repository = text(at(payload, 'repository.full_name'));
  return { kind: 'push', pushes: changes.map((entry) => change(entry, repository)) };
}

/** Bitbucket Cloud. It has no test button: the first delivery is a real push. */
export const bitbucket: ForgeAdapter = {
  name: 'bitbucket',
  eventHeader: 'X-Event-Key',
  deliveryIdHeader: 'X-Request-UUID',
  pushEvent: 'repo:push',
  verify: (headers, rawBody, secrets) => verifyBitbucketSignature(headers, rawBody, secrets),
  event: (headers) => header(headers, 'x-event-key'),
  deliveryId: (headers) => header(headers, 'x-request-uuid'),
  normalize,
};
