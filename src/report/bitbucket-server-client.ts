import { BITBUCKET_STATES } from './bitbucket-client.js';
import type { Fetch, ForgeClient } from './forge-client.js';
import { postJson } from './post-json.js';
import { ownerAndName, statusContext, type ReportState, type StatusReport } from './status-report.js';

/**
 * Bitbucket Data Center's build status (7.4 and later):
 * `POST /rest/api/latest/projects/{projectKey}/repos/{repositorySlug}/commits/{commitId}/builds`
 * under the server's base URL (`apiUrl`, required), with an HTTP access token as `Bearer`.
 */
export class BitbucketServerClient implements ForgeClient {
  readonly forgeLabel = 'Bitbucket Data Center';

  constructor(
    private readonly token: string,
    private readonly apiUrl: string,
    private readonly timeoutMs: number,
    private readonly fetch?: Fetch,
  ) {}

  stateName(state: ReportState): string {
    return BITBUCKET_STATES[state];
  }

  async send(report: StatusReport, _memo: unknown, signal: AbortSignal): Promise<undefined> {
    const [project, slug] = ownerAndName(report.repository);
    await postJson({
      url: `${this.apiUrl}/rest/api/latest/projects/${encodeURIComponent(project)}/repos/${encodeURIComponent(slug)}/commits/${report.sha}/builds`,
      headers: { authorization: `Bearer ${this.token}` },
      body: {
        key: statusContext(report.targetId),
        state: BITBUCKET_STATES[report.state],
        name: statusContext(report.targetId),
        url: report.url,
        description: report.description,
        ref: report.ref,
      },
      signal,
      timeoutMs: this.timeoutMs,
      fetch: this.fetch,
    });
    return undefined;
  }
}
