import type { PushEvent } from '../domain/push.js';
import { verifyBitbucketSignature } from './bitbucket-signature.js';
import type { ForgeAdapter, ForgeEvent } from './forge.js';
import { at, header, text } from './read.js';

/** One entry of `changes[]`: `ref.id` is the full ref name; a deletion's `type` is DELETE. */
function change(entry: unknown, repository: string | undefined): PushEvent {
  return {
    ref: text(at(entry, 'ref.id')) ?? text(at(entry, 'refId')),
    before: text(at(entry, 'fromHash')),
    after: text(at(entry, 'toHash')),
    repository,
    deleted: at(entry, 'type') === 'DELETE',
    repositoryField: 'repository.project.key and repository.slug',
  };
}

function normalize(event: string, payload: unknown): ForgeEvent {
  // What "Test connection" in a webhook's settings sends.
  if (event === 'diagnostics:ping') return { kind: 'ping' };
  if (event !== 'repo:refs_changed') return { kind: 'ignored', reason: `event "${event}" does not deploy` };
  const changes = at(payload, 'changes');
  if (!Array.isArray(changes)) return { kind: 'invalid', reason: 'repo:refs_changed payload has no changes' };
  const key = text(at(payload, 'repository.project.key'));
  const slug = text(at(payload, 'repository.slug'));
  // The name a clone URL shows (`/scm/PROJ/repo.git`); compared case-insensitively, as
  // clone URLs often lower-case the project key.
  const repository = key === undefined || slug === undefined ? undefined : `${key}/${slug}`;
  return { kind: 'push', pushes: changes.map((entry) => change(entry, repository)) };
}

/** Bitbucket Data Center (formerly Server). */
export const bitbucketServer: ForgeAdapter = {
  name: 'bitbucket-server',
  eventHeader: 'X-Event-Key',
  deliveryIdHeader: 'X-Request-Id',
  pushEvent: 'repo:refs_changed',
  verify: (headers, rawBody, secrets) => verifyBitbucketSignature(headers, rawBody, secrets),
  event: (headers) => header(headers, 'x-event-key'),
  deliveryId: (headers) => header(headers, 'x-request-id'),
  normalize,
};
