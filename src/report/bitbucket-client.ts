import type { Fetch, ForgeClient } from './forge-client.js';
import { basicAuth, postJson } from './post-json.js';
import { ownerAndName, statusContext, type ReportState, type StatusReport } from './status-report.js';

export const BITBUCKET_API = 'https://api.bitbucket.org/2.0';

export const BITBUCKET_STATES: Record<ReportState, string> = {
  in_progress: 'INPROGRESS',
  success: 'SUCCESSFUL',
  failure: 'FAILED',
};

/**
 * Bitbucket Cloud's build status:
 * `POST /repositories/{workspace}/{repo_slug}/commit/{commit}/statuses/build` under
 * `https://api.bitbucket.org/2.0`. A repository, project or workspace access token is
 * sent as `Bearer`; `user:app-password` (or `email:api-token`) as Basic.
 */
export class BitbucketClient implements ForgeClient {
  readonly forgeLabel = 'Bitbucket';

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
    const [workspace, slug] = ownerAndName(report.repository);
    await postJson({
      url: `${this.apiUrl}/repositories/${encodeURIComponent(workspace)}/${encodeURIComponent(slug)}/commit/${report.sha}/statuses/build`,
      headers: { authorization: this.token.includes(':') ? basicAuth(this.token) : `Bearer ${this.token}` },
      body: {
        key: statusContext(report.targetId),
        state: BITBUCKET_STATES[report.state],
        name: statusContext(report.targetId),
        url: report.url,
        description: report.description,
        refname: report.ref.replace(/^refs\/heads\//, ''),
      },
      signal,
      timeoutMs: this.timeoutMs,
      fetch: this.fetch,
    });
    return undefined;
  }
}
