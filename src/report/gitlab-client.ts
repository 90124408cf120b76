import { branchName, CommitStatusClient, type StatusRequest } from './commit-status-client.js';
import { ForgeCallError } from './forge-call-error.js';
import { statusContext, type ReportState, type StatusReport } from './status-report.js';

export const GITLAB_API = 'https://gitlab.com/api/v4';

/**
 * GitLab's commit status: `POST /projects/:id/statuses/:sha` (`:id` the URL-encoded
 * project path), authenticated with `PRIVATE-TOKEN`.
 */
export class GitLabClient extends CommitStatusClient {
  readonly forgeLabel = 'GitLab';
  protected readonly states: Record<ReportState, string> = {
    in_progress: 'running',
    success: 'success',
    failure: 'failed',
  };

  protected request(report: StatusReport): StatusRequest {
    return {
      url: `${this.apiUrl}/projects/${encodeURIComponent(report.repository)}/statuses/${report.sha}`,
      headers: { 'private-token': this.token },
      body: {
        state: this.states[report.state],
        name: statusContext(report.targetId),
        ref: branchName(report.ref),
        target_url: report.url,
        description: report.description,
      },
    };
  }

  // GitLab refuses to set a state twice ("Cannot transition status via :run from :running"):
  // after a try whose answer was lost, that refusal means it is set.
  protected override alreadySet(error: unknown): boolean {
    return error instanceof ForgeCallError && error.status === 400 && /cannot transition status/i.test(error.message);
  }
}
