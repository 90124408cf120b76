import type { ForgeName } from '../domain/forge-name.js';

// scheme://[user[:password]@]host[:port]/path — https, http, ssh, git.
const URL_FORM = /^(?:https?|ssh|git):\/\/(?:[^@/\s]+@)?[^/\s@]+\/(.+)$/i;
// git's scp-like form, [user@]host:path (no slash before the colon).
const SCP_FORM = /^(?:[^@/\s]+@)?[^/:\s]+:(?!\/)(.+)$/;
const SEGMENT = /^[\w.~-]+$/;

/** The path segments of a remote URL, without `.git` and empty segments; undefined for a local path. */
function pathSegments(originUrl: string): string[] | undefined {
  const url = originUrl.trim();
  const path = URL_FORM.exec(url)?.[1] ?? SCP_FORM.exec(url)?.[1];
  if (path === undefined) return undefined;
  const segments = path
    .replace(/\/+$/, '')
    .replace(/\.git$/i, '')
    .split('/')
    .filter((segment) => segment !== '');
  return segments.every((segment) => SEGMENT.test(segment)) ? segments : undefined;
}

function lastTwo(segments: string[]): string | undefined {
  return segments.length >= 2 ? segments.slice(-2).join('/') : undefined;
}

/**
 * The repository name a forge's push payload carries, derived from the work tree's
 * `origin` URL: the target's default `repository`. Undefined when the URL does not say
 * (a local path, a path of the wrong shape): then any repository is accepted.
 *
 * - GitHub: `owner/name`, exactly (a longer path is not a clone URL).
 * - GitLab: the whole path, `group/sub/name` (subgroups). An instance installed under a
 *   relative URL (`https://host/gitlab/...`) needs `repository` set by hand.
 * - Gitea, Forgejo: the last two segments, so that a sub-path install
 *   (`https://host/gitea/owner/repo.git`) works.
 * - Bitbucket Cloud: `workspace/repo`.
 * - Bitbucket Data Center: `PROJ/repo`, after `/scm/` in an HTTP clone URL
 *   (`https://host/scm/PROJ/repo.git`, also under a context path), else the last two
 *   segments (`ssh://git@host:7999/PROJ/repo.git`).
 */
export function repositorySlug(originUrl: string, forge: ForgeName): string | undefined {
  const segments = pathSegments(originUrl);
  if (segments === undefined) return undefined;
  switch (forge) {
    case 'github':
      return segments.length === 2 ? segments.join('/') : undefined;
    case 'gitlab':
      return segments.length >= 2 ? segments.join('/') : undefined;
    case 'gitea':
    case 'forgejo':
    case 'bitbucket':
      return lastTwo(segments);
    case 'bitbucket-server': {
      const scm = segments.lastIndexOf('scm');
      return lastTwo(scm >= 0 ? segments.slice(scm + 1) : segments);
    }
  }
}
