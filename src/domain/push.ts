/**
 * One ref update a forge reported, in forge-neutral terms, before any check: a field
 * the payload lacks (or holds in the wrong type) is undefined, and the decision says
 * whether it needed it (src/forges/decide.ts).
 */
export interface PushEvent {
  /** The full ref name: `refs/heads/<branch>` or `refs/tags/<tag>`. */
  ref: string | undefined;
  /** The commit the ref pointed at before the push (all zeros when it was created). */
  before: string | undefined;
  /** The commit the ref points at now (all zeros, or absent, when it was deleted). */
  after: string | undefined;
  /** `owner/name` as the forge names it (GitLab `group/sub/name`, Bitbucket Server `PROJ/slug`). */
  repository: string | undefined;
  deleted: boolean;
  /** Where the forge keeps the repository name, for the reason of a push without one. */
  repositoryField: string;
}

/** A checked push that deploys. */
export interface Push {
  ref: string;
  before: string;
  after: string;
  repository: string;
}

/** The object name git uses for "no commit": a created ref's before, a deleted ref's after. */
export const ZERO_COMMIT = '0'.repeat(40);

/** All zeros, in either object format (SHA-1 or SHA-256). */
export function isZeroCommit(value: unknown): boolean {
  return typeof value === 'string' && /^(?:0{40}|0{64})$/.test(value);
}
