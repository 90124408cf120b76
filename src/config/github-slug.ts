// https://github.com/o/n(.git), http(s)://user@github.com/o/n, ssh://git@github.com(:22)/o/n.git,
// git@github.com:o/n.git — the forms `git clone` accepts for GitHub.
const GITHUB_REMOTE =
  /^(?:(?:https?|ssh|git):\/\/(?:[^@/]+@)?github\.com(?::\d+)?\/|[^@/\s]+@github\.com:)([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/i;

/** `owner/name` of a GitHub remote URL, or undefined when the URL is not GitHub's. */
export function githubSlug(remoteUrl: string): string | undefined {
  const match = GITHUB_REMOTE.exec(remoteUrl.trim());
  return match ? `${match[1]}/${match[2]}` : undefined;
}
