// The subset of `git check-ref-format` rules that a branch name can break by accident
// (control characters included, hence the disable).
// eslint-disable-next-line no-control-regex
export const BAD_BRANCH = /(^[-/.])|([/.]$)|\.\.|@\{|\/\/|\/\.|[\s~^:?*[\\\x00-\x1f\x7f]|\.lock$|^@$/;

/** `owner/name`, as GitHub, Gitea, Forgejo and Bitbucket name a repository. */
export const REPOSITORY_SLUG = /^[\w.-]+\/[\w.-]+$/;

/** GitLab's `group/subgroup/.../name`. */
export const NESTED_REPOSITORY_SLUG = /^[\w.-]+(\/[\w.-]+)+$/;

/** `refs/heads/main` and `main` name the same branch. */
export function shortBranchName(name: string): string {
  return name.replace(/^refs\/heads\//, '');
}
