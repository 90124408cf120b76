import type { Fetch, ForgeClient } from './forge-client.js';
import { postJson } from './post-json.js';
import type { ReportState, StatusReport } from './status-report.js';

/** One POST: what a forge's status API wants for one report. */
export interface StatusRequest {
  url: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/**
 * The forges whose status is one POST per state (all but GitHub, which creates a
 * Deployment first): they differ only in the request, their words for the states, and
 * which refusal means that a lost try had already set the state.
 */
export abstract class CommitStatusClient implements ForgeClient {
  abstract readonly forgeLabel: string;
  protected abstract readonly states: Record<ReportState, string>;

  constructor(
    protected readonly token: string,
    protected readonly apiUrl: string,
    private readonly timeoutMs: number,
    private readonly fetch?: Fetch,
  ) {}

  stateName(state: ReportState): string {
    return this.states[state];
  }

  async send(report: StatusReport, _memo: unknown, signal: AbortSignal): Promise<undefined> {
    const { url, headers, body } = this.request(report);
    try {
      await postJson({ url, headers, body, signal, timeoutMs: this.timeoutMs, fetch: this.fetch });
    } catch (error) {
      if (!this.alreadySet(error)) throw error;
    }
    return undefined;
  }

  protected abstract request(report: StatusReport): StatusRequest;

  /** Whether a refusal says the state is set already (a retried try whose first answer was lost). */
  protected alreadySet(_error: unknown): boolean {
    return false;
  }
}

/** `refs/heads/main` → `main`, as the forges that take a branch name want it. */
export function branchName(ref: string): string {
  return ref.replace(/^refs\/heads\//, '');
}
