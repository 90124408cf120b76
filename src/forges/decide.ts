import type { Target } from '../domain/target.js';
import type { Push, PushEvent } from '../domain/push.js';
import type { ForgeEvent } from './forge.js';

/** What the deployed side wants to hear about. */
export type DeployTarget = Pick<Target, 'branch' | 'repository'>;

export type Decision =
  | { kind: 'pong' }
  | { kind: 'ignored'; reason: string }
  | { kind: 'invalid'; reason: string }
  | { kind: 'deploy'; push: Push };

// SHA-1 object names, or SHA-256 ones for repositories using the newer object format.
const OBJECT_NAME = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * Decides what a verified delivery means for a target, whatever the forge: the
 * contract's rows in their order (deletion, tag, other branch, other repository,
 * commits). A push is only required to carry what the decision so far needs: a deletion
 * or a push elsewhere is ignored even with odd commit fields.
 */
export function decide(event: ForgeEvent, target: DeployTarget): Decision {
  switch (event.kind) {
    case 'ping':
      return { kind: 'pong' };
    case 'ignored':
    case 'invalid':
      return event;
    case 'push': {
      // One delivery may update several refs (Bitbucket): the update of the deployed
      // branch decides; without one, the first update says why nothing deploys.
      const wanted = `refs/heads/${target.branch}`;
      const push = event.pushes.find((candidate) => candidate.ref === wanted) ?? event.pushes[0];
      if (push === undefined) return { kind: 'ignored', reason: 'the push lists no ref updates' };
      return decidePush(push, target);
    }
  }
}

function decidePush(push: PushEvent, target: DeployTarget): Decision {
  const { ref, repository, before, after } = push;
  if (ref === undefined) return { kind: 'invalid', reason: 'push payload has no ref' };
  if (push.deleted) return { kind: 'ignored', reason: `${ref} was deleted` };
  if (ref.startsWith('refs/tags/')) return { kind: 'ignored', reason: `tag push ${ref}` };
  const wanted = `refs/heads/${target.branch}`;
  if (ref !== wanted) return { kind: 'ignored', reason: `push to ${ref}, deploying ${wanted}` };

  if (repository === undefined) return { kind: 'invalid', reason: `push payload has no ${push.repositoryField}` };
  if (target.repository !== undefined && repository.toLowerCase() !== target.repository.toLowerCase()) {
    return { kind: 'ignored', reason: `push to ${repository}, deploying ${target.repository}` };
  }

  if (after === undefined || !OBJECT_NAME.test(after)) {
    return { kind: 'invalid', reason: 'push payload has no valid after commit' };
  }
  if (before === undefined || !OBJECT_NAME.test(before)) {
    return { kind: 'invalid', reason: 'push payload has no valid before commit' };
  }
  return { kind: 'deploy', push: { ref, before, after, repository } };
}
