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

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Decides what a verified delivery means for this deployment. Pure: the contract's
 * table, row by row, in its order. A push is only required to carry what the decision
 * so far needs: a deletion or a push elsewhere is ignored even with odd commit fields.
 */
export function decide(event: string, payload: object, target: DeployTarget): Decision {
  if (event === 'ping') return { kind: 'pong' };
  if (event !== 'push') return { kind: 'ignored', reason: `event "${event}" does not deploy` };

  const ref = text(field(payload, 'ref'));
  if (ref === undefined) return { kind: 'invalid', reason: 'push payload has no ref' };
  if (field(payload, 'deleted') === true) return { kind: 'ignored', reason: `${ref} was deleted` };
  if (ref.startsWith('refs/tags/')) return { kind: 'ignored', reason: `tag push ${ref}` };
  const wanted = `refs/heads/${target.branch}`;
  if (ref !== wanted) return { kind: 'ignored', reason: `push to ${ref}, deploying ${wanted}` };

  const repository = field(payload, 'repository');
  const fullName = text(
    typeof repository === 'object' && repository !== null ? field(repository, 'full_name') : undefined,
  );
  if (fullName === undefined) return { kind: 'invalid', reason: 'push payload has no repository.full_name' };
  if (target.repository !== undefined && fullName.toLowerCase() !== target.repository.toLowerCase()) {
    return { kind: 'ignored', reason: `push to ${fullName}, deploying ${target.repository}` };
  }

  const before = field(payload, 'before');
  const after = field(payload, 'after');
  if (typeof after !== 'string' || !OBJECT_NAME.test(after)) {
    return { kind: 'invalid', reason: 'push payload has no valid after commit' };
  }
  if (typeof before !== 'string' || !OBJECT_NAME.test(before)) {
    return { kind: 'invalid', reason: 'push payload has no valid before commit' };
  }
  return { kind: 'deploy', push: { ref, before, after, repository: fullName } };
}
