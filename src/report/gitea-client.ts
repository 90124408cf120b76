import type { Fetch, ForgeClient } from './forge-client.js';
import { postJson } from './post-json.js';
import { ownerAndName, statusContext, type ReportState, type StatusReport } from './status-report.js';

const STATES: Record<ReportState, string> = { in_progress: 'pending', success: 'success', failure: 'failure' };

/**
 * Gitea's and Forgejo's commit status: `POST /repos/{owner}/{repo}/statuses/{sha}` under
 * the instance's `/api/v1`, authenticated with `Authorization: token …`. No public
 * default: the schema requires `apiUrl`.
 */
export class GiteaClient implements ForgeClient {
  constructor(
    readonly forgeLabel: 'Gitea' | 'Forgejo',
    private readonly token: string,
    private readonly apiUrl: string,
    private readonly timeoutMs: number,
    private readonly fetch?: Fetch,
  ) {}

  stateName(state: ReportState): string {
    return STATES[state];
  }

  async send(report: StatusReport, _memo: unknown, signal: AbortSignal): Promise<undefined> {
    const [owner, name] = ownerAndName(report.repository);
    await postJson({
      url: `${this.apiUrl}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/statuses/${report.sha}`,
      headers: { authorization: `token ${this.token}` },
      body: {
        state: STATES[report.state],
        context: statusContext(report.targetId),
        target_url: report.url,
        description: report.description,
      },
      signal,
      timeoutMs: this.timeoutMs,
      fetch: this.fetch,
    });
    return undefined;
  }
}
