/** Web addresses of repositories, for links to commits. No DOM here. */

// `owner/name` as GitHub spells it: nothing that could steer the URL elsewhere.
const GITHUB_REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/**
 * A target's repository page. Only GitHub's is known from the configuration (the other
 * forges are often self-hosted at an address hookdeploy is not told), as GET /session says too.
 */
export function repositoryUrlOf(target: { forge: string; repository: string | null }): string | null {
  if (target.forge !== 'github' || !target.repository || !GITHUB_REPOSITORY.test(target.repository)) return null;
  return `https://github.com/${target.repository}`;
}

/** Only ever an https URL in an href: the value is configuration, but a javascript: URL must not slip in. */
export function safeUrl(url: string | null): string | null {
  return url && /^https:\/\//.test(url) ? url : null;
}
