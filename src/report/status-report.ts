/** What a deployment's report says, in hookdeploy's words; each forge names these its own way. */
export type ReportState = 'in_progress' | 'success' | 'failure';

/** One status of one deployment, for one forge call (with its retries). */
export interface StatusReport {
  deploymentId: number;
  targetId: string;
  /** The target's repository as its forge names it: `owner/name`, GitLab `group/sub/name`, Bitbucket DC `PROJ/repo`. */
  repository: string;
  /** The commit the deployment deploys (its requestedSha). */
  sha: string;
  /** `refs/heads/<branch>`. */
  ref: string;
  state: ReportState;
  /** A short sentence for the forge's page (at most 140 characters: GitHub's limit). */
  description: string;
  /** The deployment's page on hookdeploy's dashboard; undefined without `publicUrl`. */
  url: string | undefined;
  /** GitHub Deployments environment. */
  environment: string;
}

/** What the calls for one deployment share: GitHub's Deployment, created once, then given each status. */
export interface ReportMemo {
  forgeDeploymentId?: number;
}

/** The context (GitHub, Gitea), name (GitLab) or key (Bitbucket) of every status hookdeploy sets. */
export function statusContext(targetId: string): string {
  return `hookdeploy/${targetId}`;
}

/** `owner/name` → ['owner', 'name']; GitLab's nested paths are not split (its clients take the whole path). */
export function ownerAndName(repository: string): [string, string] {
  const slash = repository.lastIndexOf('/');
  return [repository.slice(0, slash), repository.slice(slash + 1)];
}
