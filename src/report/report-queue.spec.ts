import { describe, expect, it } from '@jest/globals';
import { ForgeCallError } from './forge-call-error.js';
import type { ForgeClient } from './forge-client.js';
import type { ReportLimits } from './report-limits.js';
import { ReportQueue, type ReportJob, type ReportOutcome, type Sleep } from './report-queue.js';
import type { ReportState, StatusReport } from './status-report.js';

const LIMITS: ReportLimits = {
  requestTimeoutMs: 1_000,
  retryWindowMs: 600_000,
  firstRetryDelayMs: 1_000,
  maxRetryDelayMs: 60_000,
  queueCap: 3,
  shutdownGraceMs: 100,
};

/** A client whose answers are scripted: an error to throw, or nothing (reported). */
class ScriptedClient implements ForgeClient {
  readonly forgeLabel = 'Test';
  readonly sent: string[] = [];
  constructor(private readonly answers: (ForgeCallError | 'hang' | undefined)[] = []) {}
  stateName(state: ReportState): string {
    return state;
  }
  async send(report: StatusReport, _memo: unknown, signal: AbortSignal): Promise<string | undefined> {
    this.sent.push(`${report.deploymentId}:${report.state}`);
    const answer = this.answers.shift();
    if (answer === 'hang') {
      await new Promise((_resolve, reject) =>
        signal.addEventListener('abort', () => reject(new ForgeCallError('no answer', undefined)), { once: true }),
      );
    }
    if (answer instanceof ForgeCallError) throw answer;
    return undefined;
  }
}

/** A clock that only moves when the queue sleeps: waits are recorded, never spent. */
function fakeTime() {
  let now = 0;
  const waits: number[] = [];
  const sleep: Sleep = async (ms) => {
    waits.push(ms);
    now += ms;
  };
  return { waits, sleep, now: () => now };
}

function job(client: ForgeClient, id: number, state: ReportState, outcomes: ReportOutcome[]): ReportJob {
  const report = { deploymentId: id, state } as StatusReport;
  return { report, client, memo: {}, done: (outcome) => outcomes.push(outcome) };
}

async function run(client: ScriptedClient, limits: ReportLimits = LIMITS) {
  const time = fakeTime();
  const queue = new ReportQueue(limits, new AbortController().signal, time.sleep, time.now);
  const outcomes: ReportOutcome[] = [];
  queue.push(job(client, 1, 'success', outcomes));
  await queue.idle();
  return { outcomes, waits: time.waits };
}

describe('ReportQueue: one target reports, in order, retried within bounds', () => {
  it('retries a 502 and reports on the next try, after the first backoff', async () => {
    const { outcomes, waits } = await run(new ScriptedClient([new ForgeCallError('502 Bad Gateway', 502)]));
    expect(outcomes).toEqual([{ kind: 'reported', detail: undefined, tries: 2 }]);
    expect(waits).toEqual([1_000]);
  });

  it('waits what a 429 asks in Retry-After (seconds), instead of its own backoff', async () => {
    const { outcomes, waits } = await run(
      new ScriptedClient([new ForgeCallError('429', 429, '7'), new ForgeCallError('429', 429, '2')]),
    );
    expect(outcomes).toEqual([{ kind: 'reported', detail: undefined, tries: 3 }]);
    expect(waits).toEqual([7_000, 2_000]);
  });

  it('caps a Retry-After beyond maxRetryDelayMs', async () => {
    const { waits } = await run(new ScriptedClient([new ForgeCallError('503', 503, '86400')]));
    expect(waits).toEqual([60_000]);
  });

  it('retries no answer (a timeout) with a doubling backoff', async () => {
    const none = (): ForgeCallError => new ForgeCallError('no answer within 1 s', undefined);
    const { outcomes, waits } = await run(new ScriptedClient([none(), none(), none()]));
    expect(outcomes).toEqual([{ kind: 'reported', detail: undefined, tries: 4 }]);
    expect(waits).toEqual([1_000, 2_000, 4_000]);
  });

  it.each([400, 401, 403, 404, 422])('does not retry a %i: it fails at once', async (status) => {
    const { outcomes, waits } = await run(new ScriptedClient([new ForgeCallError(`${status} no`, status)]));
    expect(outcomes).toEqual([{ kind: 'failed', reason: `${status} no`, tries: 1 }]);
    expect(waits).toEqual([]);
  });

  it('gives up once the next try would fall beyond the retry window, saying how many tries it made', async () => {
    const always = Array.from({ length: 50 }, () => new ForgeCallError('503 Service Unavailable', 503));
    const { outcomes, waits } = await run(new ScriptedClient(always), { ...LIMITS, retryWindowMs: 20_000 });
    // 1 + 2 + 4 + 8 = 15 s spent; the next wait (16 s) would end beyond 20 s.
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(outcomes).toEqual([{ kind: 'failed', reason: '503 Service Unavailable', tries: 5 }]);
  });

  it('sends one target reports one at a time, in the order they came', async () => {
    const client = new ScriptedClient([new ForgeCallError('502', 502)]);
    const time = fakeTime();
    const queue = new ReportQueue(LIMITS, new AbortController().signal, time.sleep, time.now);
    const outcomes: ReportOutcome[] = [];
    queue.push(job(client, 1, 'in_progress', outcomes));
    queue.push(job(client, 1, 'success', outcomes));
    queue.push(job(client, 2, 'in_progress', outcomes));
    await queue.idle();
    expect(client.sent).toEqual(['1:in_progress', '1:in_progress', '1:success', '2:in_progress']);
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['reported', 'reported', 'reported']);
  });

  it('holds at most queueCap waiting reports: a new one drops the oldest waiting', async () => {
    const client = new ScriptedClient(['hang']);
    const shutdown = new AbortController();
    const queue = new ReportQueue(LIMITS, shutdown.signal);
    const outcomes = new Map<number, ReportOutcome[]>();
    for (let id = 1; id <= 6; id += 1) {
      outcomes.set(id, []);
      queue.push(job(client, id, 'success', outcomes.get(id)!));
    }
    // 1 is being sent (hanging), 2 and 3 were dropped for 5 and 6, 4-6 wait.
    expect(outcomes.get(2)).toEqual([{ kind: 'dropped' }]);
    expect(outcomes.get(3)).toEqual([{ kind: 'dropped' }]);
    expect(queue.pending).toBe(4);
    queue.abandonAll();
    for (const id of [1, 4, 5, 6]) expect(outcomes.get(id)).toEqual([{ kind: 'abandoned' }]);
    shutdown.abort();
    await queue.idle();
    // The hanging send ended after it was abandoned: still exactly one outcome each.
    expect(outcomes.get(1)).toEqual([{ kind: 'abandoned' }]);
  });

  it('times a request out after requestTimeoutMs and retries it', async () => {
    const client = new ScriptedClient(['hang']);
    const queue = new ReportQueue(
      { ...LIMITS, requestTimeoutMs: 50, firstRetryDelayMs: 10 },
      new AbortController().signal,
    );
    const outcomes: ReportOutcome[] = [];
    queue.push(job(client, 1, 'success', outcomes));
    await queue.idle();
    expect(outcomes).toEqual([{ kind: 'reported', detail: undefined, tries: 2 }]);
  });

  it('after shutdown, a new report is abandoned at once', () => {
    const shutdown = new AbortController();
    shutdown.abort();
    const queue = new ReportQueue(LIMITS, shutdown.signal);
    const outcomes: ReportOutcome[] = [];
    queue.push(job(new ScriptedClient(), 1, 'success', outcomes));
    expect(outcomes).toEqual([{ kind: 'abandoned' }]);
    expect(queue.pending).toBe(0);
  });
});
