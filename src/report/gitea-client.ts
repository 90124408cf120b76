import { CommitStatusClient, type StatusRequest } from './commit-status-client.js';
import type { Fetch } from './forge-client.js';
import { ownerAndName, statusContext, type ReportState, type StatusReport } from './status-report.js';

/**
 * Gitea's and Forgejo's commit status: `POST /repos/{owner}/{repo}/statuses/{sha}` under
 * the instance's `/api/v1`, authenticated with `Authorization: token …`. No public
 * default: the schema requires `apiUrl`.
 */
export class GiteaClient extends CommitStatusClient {
  protected readonly states: Record<ReportState, string> = {
    in_progress: 'pending',
    success: 'success',
    failure: 'failure',
  };

  constructor(
    readonly forgeLabel: 'Gitea' | 'Forgejo',
    token: string,
    apiUrl: string,
    timeoutMs: number,
    fetch?: Fetch,
  ) {
    super(token, apiUrl, timeoutMs, fetch);
  }

  protected request(report: StatusReport): StatusRequest {
    const [owner, name] = ownerAndName(report.repository);
    return {
      url: `${this.apiUrl}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/statuses/${report.sha}`,
      headers: { authorization: `token ${this.token}` },
      body: {
        state: this.states[report.state],
        context: statusContext(report.targetId),
        target_url: report.url,
        description: report.description,
      },
    };
  }
}
