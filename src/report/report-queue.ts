import { ForgeCallError } from './forge-call-error.js';
import type { ForgeClient } from './forge-client.js';
import type { ReportLimits } from './report-limits.js';
import { isRetryable, retryDelayMs } from './retry-policy.js';
import type { ReportMemo, StatusReport } from './status-report.js';

/** How one report ended. */
export type ReportOutcome =
  | { kind: 'reported'; detail: string | undefined; tries: number }
  | { kind: 'failed'; reason: string; tries: number }
  | { kind: 'dropped' }
  | { kind: 'abandoned' };

export interface ReportJob {
  report: StatusReport;
  client: ForgeClient;
  memo: ReportMemo;
  /** Called exactly once. */
  done(outcome: ReportOutcome): void;
}

/** Waits `ms`, or less if `signal` aborts first. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

const sleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(finish, ms);
    function finish(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      resolve();
    }
    signal.addEventListener('abort', finish, { once: true });
  });

interface Entry {
  job: ReportJob;
  settled: boolean;
}

/**
 * One target's reports, sent one at a time in the order they came: a deployment's
 * `in_progress` always goes before its final state. Each report is retried (no answer,
 * 5xx, 429 and rate limits, honouring `Retry-After`) until `retryWindowMs` after its
 * first try; every request has its own timeout. At most `queueCap` wait: a newer one
 * drops the oldest. Nothing here is awaited by a deploy.
 */
export class ReportQueue {
  private readonly waiting: Entry[] = [];
  private current: Entry | undefined;
  private worker: Promise<void> | undefined;

  constructor(
    private readonly limits: ReportLimits,
    private readonly shutdown: AbortSignal,
    private readonly wait: Sleep = sleep,
    private readonly now: () => number = Date.now,
  ) {}

  push(job: ReportJob): void {
    if (this.shutdown.aborted) return settle({ job, settled: false }, { kind: 'abandoned' });
    if (this.waiting.length >= this.limits.queueCap) settle(this.waiting.shift()!, { kind: 'dropped' });
    this.waiting.push({ job, settled: false });
    this.worker ??= this.work().finally(() => {
      this.worker = undefined;
    });
  }

  /** Reports waiting or being sent. */
  get pending(): number {
    return this.waiting.length + (this.current === undefined ? 0 : 1);
  }

  /** Resolves once nothing waits and nothing is being sent. */
  async idle(): Promise<void> {
    while (this.worker) await this.worker;
  }

  /** At shutdown, after the grace: every report not sent ends as `abandoned`, now. */
  abandonAll(): void {
    // In the order they would have been sent: a deployment's lines stay in_progress, then its end.
    if (this.current) settle(this.current, { kind: 'abandoned' });
    for (const entry of this.waiting.splice(0)) settle(entry, { kind: 'abandoned' });
  }

  private async work(): Promise<void> {
    for (let entry = this.waiting.shift(); entry !== undefined; entry = this.waiting.shift()) {
      this.current = entry;
      try {
        settle(entry, await this.deliver(entry.job));
      } finally {
        this.current = undefined;
      }
    }
  }

  private async deliver({ report, client, memo }: ReportJob): Promise<ReportOutcome> {
    const firstTry = this.now();
    for (let tries = 1; ; tries += 1) {
      const signal = AbortSignal.any([this.shutdown, AbortSignal.timeout(this.limits.requestTimeoutMs)]);
      let error: ForgeCallError;
      try {
        return { kind: 'reported', detail: await client.send(report, memo, signal), tries };
      } catch (thrown) {
        error = thrown instanceof ForgeCallError ? thrown : new ForgeCallError((thrown as Error).message, 0);
      }
      if (this.shutdown.aborted) return { kind: 'abandoned' };
      if (!isRetryable(error)) return { kind: 'failed', reason: error.message, tries };
      const delay = retryDelayMs(error, tries, this.limits, this.now());
      if (this.now() + delay - firstTry > this.limits.retryWindowMs)
        return { kind: 'failed', reason: error.message, tries };
      await this.wait(delay, this.shutdown);
      if (this.shutdown.aborted) return { kind: 'abandoned' };
    }
  }
}

function settle(entry: Entry, outcome: ReportOutcome): void {
  if (entry.settled) return;
  entry.settled = true;
  entry.job.done(outcome);
}
