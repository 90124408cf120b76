import { ForgeCallError } from './forge-call-error.js';
import type { Fetch, ForgeClient } from './forge-client.js';
import { postJson } from './post-json.js';
import { statusContext, type ReportState, type StatusReport } from './status-report.js';

export const GITLAB_API = 'https://gitlab.com/api/v4';

const STATES: Record<ReportState, string> = { in_progress: 'running', success: 'success', failure: 'failed' };

/**
 * GitLab's commit status: `POST /projects/:id/statuses/:sha` (`:id` the URL-encoded
 * project path), authenticated with `PRIVATE-TOKEN`.
 */
export class GitLabClient implements ForgeClient {
  readonly forgeLabel = 'GitLab';

  constructor(
    private readonly token: string,
    private readonly apiUrl: string,
    private readonly timeoutMs: number,
    private readonly fetch?: Fetch,
  ) {}

  stateName(state: ReportState): string {
    return STATES[state];
  }

  async send(report: StatusReport, _memo: unknown, signal: AbortSignal): Promise<undefined> {
    const project = encodeURIComponent(report.repository);
    try {
      await postJson({
        url: `${this.apiUrl}/projects/${project}/statuses/${report.sha}`,
        headers: { 'private-token': this.token },
        body: {
          state: STATES[report.state],
          name: statusContext(report.targetId),
          ref: report.ref.replace(/^refs\/heads\//, ''),
          target_url: report.url,
          description: report.description,
        },
        signal,
        timeoutMs: this.timeoutMs,
        fetch: this.fetch,
      });
    } catch (error) {
      // A try whose answer was lost may have set the state already: GitLab refuses to set
      // it twice ("Cannot transition status via :run from :running"), which means it is set.
      if (error instanceof ForgeCallError && error.status === 400 && /cannot transition status/i.test(error.message))
        return undefined;
      throw error;
    }
    return undefined;
  }
}
