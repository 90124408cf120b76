import type { ReportMemo, ReportState, StatusReport } from './status-report.js';

/** `fetch` as the clients call it: the global one, or a test's. */
export type Fetch = typeof globalThis.fetch;

/**
 * One forge's status API. `send` is one try (one or two requests), aborted by `signal`
 * (the per-request timeout and the shutdown); it throws a ForgeCallError, and the
 * retries are the caller's (report-queue.ts).
 */
export interface ForgeClient {
  /** As the log names it: `GitHub`, `GitLab`, ... */
  readonly forgeLabel: string;
  /** The forge's word for a state (GitLab `running`, Bitbucket `INPROGRESS`), for the log. */
  stateName(state: ReportState): string;
  /** Resolves with what identifies the result on the forge (`deployment 123456`), if anything. */
  send(report: StatusReport, memo: ReportMemo, signal: AbortSignal): Promise<string | undefined>;
}
