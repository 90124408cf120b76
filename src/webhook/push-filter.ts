/** What the deployed side wants to hear about. */
export interface DeployTarget {
  branch: string;
  /** `owner/name`; undefined accepts any repository. */
  repository: string | undefined;
}

/** The push fields a deploy needs, checked. */
export interface Push {
  ref: string;
  before: string;
  after: string;
  repository: string;
}

export type Decision =
  | { kind: 'pong' }
  | { kind: 'ignored'; reason: string }
  | { kind: 'invalid'; reason: string }
  | { kind: 'deploy'; push: Push };

// SHA-1 object names, or SHA-256 ones for repositories using the newer object format.
const OBJECT_NAME = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

function field(payload: object, key: string): unknown {
  return (payload as Record<string, unknown>)[key];
}

function readPush(payload: object): Push | string {
  const ref = field(payload, 'ref');
  const before = field(payload, 'before');
  const after = field(payload, 'after');
  const repository = field(payload, 'repository');
  const fullName = typeof repository === 'object' && repository !== null ? field(repository, 'full_name') : undefined;
  if (typeof ref !== 'string' || ref === '') return 'push payload has no ref';
  if (typeof after !== 'string' || !OBJECT_NAME.test(after)) return 'push payload has no valid after commit';
  if (typeof before !== 'string' || !OBJECT_NAME.test(before)) return 'push payload has no valid before commit';
  if (typeof fullName !== 'string' || fullName === '') return 'push payload has no repository.full_name';
  return { ref, before, after, repository: fullName };
}

/**
 * Decides what a verified delivery means for this deployment. Pure: the contract's
 * table, row by row, in its order.
 */
export function decide(event: string, payload: object, target: DeployTarget): Decision {
  if (event === 'ping') return { kind: 'pong' };
  if (event !== 'push') return { kind: 'ignored', reason: `event "${event}" does not deploy` };

  const push = readPush(payload);
  if (typeof push === 'string') return { kind: 'invalid', reason: push };
  if (field(payload, 'deleted') === true) return { kind: 'ignored', reason: `${push.ref} was deleted` };
  if (push.ref.startsWith('refs/tags/')) return { kind: 'ignored', reason: `tag push ${push.ref}` };
  const wanted = `refs/heads/${target.branch}`;
  if (push.ref !== wanted) return { kind: 'ignored', reason: `push to ${push.ref}, deploying ${wanted}` };
  if (target.repository !== undefined && push.repository.toLowerCase() !== target.repository.toLowerCase()) {
    return { kind: 'ignored', reason: `push to ${push.repository}, deploying ${target.repository}` };
  }
  return { kind: 'deploy', push };
}
