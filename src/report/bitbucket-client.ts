import { branchName, CommitStatusClient, type StatusRequest } from './commit-status-client.js';
import { basicAuth } from './post-json.js';
import { ownerAndName, statusContext, type ReportState, type StatusReport } from './status-report.js';

export const BITBUCKET_API = 'https://api.bitbucket.org/2.0';

/** Both Bitbucket editions' words for the states. */
export const BITBUCKET_STATES: Record<ReportState, string> = {
  in_progress: 'INPROGRESS',
  success: 'SUCCESSFUL',
  failure: 'FAILED',
};

/** What both editions' build status takes; Cloud adds `refname`, Data Center `ref`. */
export function bitbucketBuildStatus(report: StatusReport): Record<string, unknown> {
  return {
    key: statusContext(report.targetId),
    state: BITBUCKET_STATES[report.state],
    name: statusContext(report.targetId),
    url: report.url,
    description: report.description,
  };
}

/**
 * Bitbucket Cloud's build status:
 * `POST /repositories/{workspace}/{repo_slug}/commit/{commit}/statuses/build` under
 * `https://api.bitbucket.org/2.0`. A repository, project or workspace access token is
 * sent as `Bearer`; `user:app-password` (or `email:api-token`) as Basic.
 */
export class BitbucketClient extends CommitStatusClient {
  readonly forgeLabel = 'Bitbucket';
  protected readonly states = BITBUCKET_STATES;

  protected request(report: StatusReport): StatusRequest {
    const [workspace, slug] = ownerAndName(report.repository);
    return {
      url: `${this.apiUrl}/repositories/${encodeURIComponent(workspace)}/${encodeURIComponent(slug)}/commit/${report.sha}/statuses/build`,
      headers: { authorization: this.token.includes(':') ? basicAuth(this.token) : `Bearer ${this.token}` },
      body: { ...bitbucketBuildStatus(report), refname: branchName(report.ref) },
    };
  }
}
