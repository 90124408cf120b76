import { Octokit } from '@octokit/core';
import { ForgeCallError, forgeMessage, noAnswer } from './forge-call-error.js';
import type { Fetch, ForgeClient } from './forge-client.js';
import { ownerAndName, type ReportMemo, type ReportState, type StatusReport } from './status-report.js';

export const GITHUB_API = 'https://api.github.com';

/** Octokit warns about deprecated endpoints on the console; the reporter logs what matters itself. */
const SILENT = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

interface OctokitFailure {
  status?: number;
  message?: string;
  response?: { headers: Record<string, string | undefined>; data?: unknown };
}

/**
 * GitHub's Deployments API through `@octokit/core`: a Deployment of the commit (once per
 * hookdeploy deployment, kept in the memo), then its statuses `in_progress`, `success`
 * or `failure`, with `log_url` on hookdeploy's dashboard.
 */
export class GitHubClient implements ForgeClient {
  readonly forgeLabel = 'GitHub';
  private readonly octokit: Octokit;

  constructor(
    token: string,
    apiUrl: string,
    private readonly timeoutMs: number,
    fetch?: Fetch,
  ) {
    this.octokit = new Octokit({
      auth: token,
      baseUrl: apiUrl,
      userAgent: 'hookdeploy',
      log: SILENT,
      request: fetch === undefined ? {} : { fetch },
    });
  }

  stateName(state: ReportState): string {
    return state;
  }

  async send(report: StatusReport, memo: ReportMemo, signal: AbortSignal): Promise<string> {
    const [owner, repo] = ownerAndName(report.repository);
    try {
      // Created once: a retry after a failed status must not make a second Deployment.
      const deploymentId = (memo.forgeDeploymentId ??= await this.createDeployment(owner, repo, report, signal));
      await this.octokit.request('POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', {
        owner,
        repo,
        deployment_id: deploymentId,
        state: report.state,
        description: report.description,
        log_url: report.url,
        request: { signal },
      });
    } catch (error) {
      throw this.callError(error, signal);
    }
    return `deployment ${memo.forgeDeploymentId}`;
  }

  private async createDeployment(
    owner: string,
    repo: string,
    report: StatusReport,
    signal: AbortSignal,
  ): Promise<number> {
    const { data } = await this.octokit.request('POST /repos/{owner}/{repo}/deployments', {
      owner,
      repo,
      ref: report.sha,
      environment: report.environment,
      // hookdeploy deploys what was pushed: no merge of the default branch, no wait for CI contexts.
      auto_merge: false,
      required_contexts: [],
      description: `hookdeploy deployment ${report.deploymentId} of ${report.targetId}`,
      request: { signal },
    });
    // 202 is GitHub's "auto-merged instead" answer, which auto_merge: false rules out.
    if (!('id' in data)) throw new ForgeCallError(`202 ${data.message ?? 'no deployment created'}`, 202);
    return Number(data.id);
  }

  private callError(error: unknown, signal: AbortSignal): ForgeCallError {
    if (error instanceof ForgeCallError) return error;
    const failure = error as OctokitFailure;
    // No response: Octokit calls a network failure a 500; it is no answer.
    if (failure.response === undefined) {
      const cause = signal.aborted ? signal.reason : ((error as { cause?: unknown }).cause ?? error);
      return noAnswer(cause, this.timeoutMs);
    }
    const headers = failure.response.headers;
    const status = failure.status ?? 500;
    const data = failure.response.data;
    const reason = forgeMessage(typeof data === 'string' ? data : JSON.stringify(data ?? ''));
    // The primary rate limit answers 403 (or 429) with remaining 0 and the reset time.
    const exhausted = headers['x-ratelimit-remaining'] === '0' && headers['x-ratelimit-reset'] !== undefined;
    const retryAfter =
      headers['retry-after'] ??
      (exhausted
        ? String(Math.max(0, Number(headers['x-ratelimit-reset']) - Math.floor(Date.now() / 1000)))
        : undefined);
    // A secondary rate limit is a 403 (or 429) with Retry-After: retried as well.
    const rateLimited = exhausted || (status === 403 && headers['retry-after'] !== undefined);
    return new ForgeCallError(`${status}${reason ? ` ${reason}` : ''}`, status, retryAfter, rateLimited);
  }
}
