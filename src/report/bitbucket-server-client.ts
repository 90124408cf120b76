import { BITBUCKET_STATES, bitbucketBuildStatus } from './bitbucket-client.js';
import { CommitStatusClient, type StatusRequest } from './commit-status-client.js';
import { ownerAndName, type StatusReport } from './status-report.js';

/**
 * Bitbucket Data Center's build status (7.4 and later):
 * `POST /rest/api/latest/projects/{projectKey}/repos/{repositorySlug}/commits/{commitId}/builds`
 * under the server's base URL (`apiUrl`, required), with an HTTP access token as `Bearer`.
 */
export class BitbucketServerClient extends CommitStatusClient {
  readonly forgeLabel = 'Bitbucket Data Center';
  protected readonly states = BITBUCKET_STATES;

  protected request(report: StatusReport): StatusRequest {
    const [project, slug] = ownerAndName(report.repository);
    return {
      url: `${this.apiUrl}/rest/api/latest/projects/${encodeURIComponent(project)}/repos/${encodeURIComponent(slug)}/commits/${report.sha}/builds`,
      headers: { authorization: `Bearer ${this.token}` },
      body: { ...bitbucketBuildStatus(report), ref: report.ref },
    };
  }
}
