import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { isFinished, type DeploymentSummary } from '../domain/deployment.js';
import { deploymentFields } from '../domain/log-fields.js';
import type { ReportSettings } from '../domain/target.js';
import { DeploymentEvents } from '../events/deployment-events.js';
import { STORES } from '../storage/store.providers.js';
import type { Stores } from '../storage/stores.js';
import { TargetRegistry } from '../targets/target-registry.js';
import type { Fetch, ForgeClient } from './forge-client.js';
import { forgeClient } from './forge-clients.js';
import { REPORT_LIMITS, type ReportLimits } from './report-limits.js';
import { reportLine } from './report-lines.js';
import { ReportQueue, type ReportOutcome } from './report-queue.js';
import type { ReportMemo, ReportState, StatusReport } from './status-report.js';

/** Replaces the limits or `fetch` (tests); the application uses REPORT_LIMITS and the global fetch. */
export const REPORT_OPTIONS = Symbol('REPORT_OPTIONS');
export interface ReportOptions {
  limits?: ReportLimits;
  fetch?: Fetch;
}

/** A deployment whose reports are under way: what its reports share, taken when it started. */
interface Tracked {
  deployment: DeploymentSummary;
  settings: ReportSettings;
  repository: string;
  client: ForgeClient;
  memo: ReportMemo;
  sentInProgress: boolean;
  finished: boolean;
  /** Lines that wait for the deployment's end: its live log would overwrite them before. */
  lines: string[];
  reportsLeft: number;
  stopWatching?: () => void;
}

/**
 * Reports every deployment of a target with `report` to its forge: `in_progress` once
 * the deployment runs and its commit is known, then `success` or `failure` once its end
 * is recorded. It only listens to DeploymentEvents: nothing on the request path or in the
 * deploy waits for it, and a forge's failure is a log line, never a deploy failure. Each
 * outcome goes to the service log, the deployment's log (once it ended) and its `report`.
 */
@Injectable()
export class DeploymentReporter implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Report');
  private readonly queues = new Map<string, ReportQueue>();
  private readonly tracked = new Map<number, Tracked>();
  private readonly shutdown = new AbortController();
  private readonly limits: ReportLimits;
  private readonly fetch: Fetch | undefined;
  private unsubscribe: (() => void)[] = [];

  constructor(
    @Inject(DeploymentEvents) private readonly events: DeploymentEvents,
    @Inject(TargetRegistry) private readonly registry: TargetRegistry,
    @Inject(STORES) private readonly store: Stores,
    @Optional() @Inject(REPORT_OPTIONS) options?: ReportOptions,
  ) {
    this.limits = options?.limits ?? REPORT_LIMITS;
    this.fetch = options?.fetch;
  }

  // Before the bootstrap: a crash recovery's `finished` (interrupted deployments) is heard too.
  onModuleInit(): void {
    this.unsubscribe = [
      this.events.onStarted((deployment) => this.started(deployment)),
      this.events.onFinished((deployment) => this.finished(deployment)),
    ];
  }

  /** After the deployments drained (DeployQueue) and before the database closes (StorageModule). */
  async onApplicationShutdown(): Promise<void> {
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    const pending = [...this.queues.values()].reduce((sum, queue) => sum + queue.pending, 0);
    if (pending > 0) {
      this.logger.log(
        `shutting down: ${pending} report(s) to the forge pending, waiting up to ${this.limits.shutdownGraceMs / 1000} s`,
      );
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise((resolve) => (timer = setTimeout(resolve, this.limits.shutdownGraceMs)));
      await Promise.race([Promise.all([...this.queues.values()].map((queue) => queue.idle())), grace]);
      clearTimeout(timer);
    }
    this.shutdown.abort();
    for (const queue of this.queues.values()) queue.abandonAll();
  }

  private started(deployment: DeploymentSummary): void {
    const tracked = this.track(deployment);
    if (tracked === undefined) return;
    if (deployment.requestedSha !== null) return this.sendInProgress(tracked, deployment.requestedSha);
    // "Deploy now": the commit is known once the fetch told the branch tip; the store announces it.
    tracked.stopWatching = this.events.subscribe(deployment.id, {
      status: (changed) => {
        if (changed.requestedSha === null || isFinished(changed)) return;
        tracked.stopWatching?.();
        tracked.stopWatching = undefined;
        this.sendInProgress(tracked, changed.requestedSha);
      },
      log: () => {},
    });
  }

  private finished(deployment: DeploymentSummary): void {
    // Not seen starting: interrupted by a crash (the recovery ends it) or begun before a reload added `report`.
    const tracked = this.tracked.get(deployment.id) ?? this.track(deployment);
    if (tracked === undefined) return;
    tracked.stopWatching?.();
    tracked.finished = true;
    tracked.deployment = deployment;
    if (deployment.requestedSha === null) {
      this.record(
        tracked,
        `nothing reported to ${tracked.client.forgeLabel}: the deployment ended before its commit was known`,
      );
    } else {
      // Without an in_progress sent, the final state alone: never in_progress after it.
      this.send(tracked, deployment.requestedSha, deployment.status === 'succeeded' ? 'success' : 'failure');
    }
    this.flushLines(tracked);
    this.forgetIfDone(tracked);
  }

  /** Undefined when the deployment's target reports nothing. */
  private track(deployment: DeploymentSummary): Tracked | undefined {
    const target = this.registry.get(deployment.target);
    if (target?.report === undefined || target.repository === undefined) return undefined;
    let client: ForgeClient;
    try {
      client = forgeClient(target.forge, target.report, this.limits.requestTimeoutMs, this.fetch);
    } catch (error) {
      this.logger.error({
        msg: `${label(deployment)}: not reported: ${(error as Error).message}`,
        ...deploymentFields(deployment),
      });
      return undefined;
    }
    const tracked: Tracked = {
      deployment,
      settings: target.report,
      repository: target.repository,
      client,
      memo: {},
      sentInProgress: false,
      finished: false,
      lines: [],
      reportsLeft: 0,
    };
    this.tracked.set(deployment.id, tracked);
    return tracked;
  }

  private sendInProgress(tracked: Tracked, sha: string): void {
    if (tracked.sentInProgress || tracked.finished) return;
    tracked.sentInProgress = true;
    this.send(tracked, sha, 'in_progress');
  }

  private send(tracked: Tracked, sha: string, state: ReportState): void {
    const { deployment, settings } = tracked;
    const report: StatusReport = {
      deploymentId: deployment.id,
      targetId: deployment.target,
      repository: tracked.repository,
      sha,
      ref: deployment.ref,
      state,
      description: describeState(deployment, state),
      url: settings.publicUrl === undefined ? undefined : `${settings.publicUrl}/#/deployments/${deployment.id}`,
      environment: settings.environment,
    };
    tracked.reportsLeft += 1;
    this.queueOf(deployment.target).push({
      report,
      client: tracked.client,
      memo: tracked.memo,
      done: (outcome) => this.reported(tracked, state, outcome),
    });
  }

  private reported(tracked: Tracked, state: ReportState, outcome: ReportOutcome): void {
    tracked.reportsLeft -= 1;
    const line = reportLine(tracked.client, state, outcome, {
      token: tracked.settings.token,
      targetId: tracked.deployment.target,
      queueCap: this.limits.queueCap,
    });
    this.record(tracked, line, outcome.kind !== 'reported');
    if (tracked.finished) this.flushLines(tracked);
    this.forgetIfDone(tracked);
  }

  /** One outcome: the service log, the deployment's `report`, and its log (now, or at its end). */
  private record(tracked: Tracked, line: string, failed = false): void {
    const { deployment } = tracked;
    const fields = deploymentFields(deployment);
    if (failed) this.logger.warn({ msg: `${label(deployment)}: ${line}`, ...fields });
    else this.logger.log({ msg: `${label(deployment)}: ${line}`, ...fields });
    tracked.lines.push(`hookdeploy: ${line}`);
    try {
      this.store.deployments.set(deployment.id, { report: line });
    } catch (error) {
      // Pruned meanwhile, or the database refused: the service log has the line.
      this.logger.warn({
        msg: `${label(deployment)}: could not record the report: ${(error as Error).message}`,
        ...fields,
      });
    }
  }

  private flushLines(tracked: Tracked): void {
    if (tracked.lines.length === 0) return;
    const text = tracked.lines.map((line) => `${line}\n`).join('');
    tracked.lines = [];
    try {
      this.store.logs.append(tracked.deployment.id, text);
    } catch (error) {
      this.logger.warn({
        msg: `${label(tracked.deployment)}: could not add the report to its log: ${(error as Error).message}`,
        ...deploymentFields(tracked.deployment),
      });
    }
  }

  private forgetIfDone(tracked: Tracked): void {
    if (tracked.finished && tracked.reportsLeft === 0) this.tracked.delete(tracked.deployment.id);
  }

  private queueOf(targetId: string): ReportQueue {
    let queue = this.queues.get(targetId);
    if (queue === undefined) {
      queue = new ReportQueue(this.limits, this.shutdown.signal);
      this.queues.set(targetId, queue);
    }
    return queue;
  }
}

function label(deployment: Pick<DeploymentSummary, 'id'>): string {
  return `deployment ${deployment.id}`;
}

function describeState(deployment: DeploymentSummary, state: ReportState): string {
  const subject = `hookdeploy deployment ${deployment.id}`;
  if (state === 'in_progress') return `${subject} is running`;
  if (state === 'success') return `${subject} succeeded`;
  const error = deployment.error ?? 'failed';
  const text = `${subject} failed: ${error}`;
  return text.length > 140 ? `${text.slice(0, 139)}…` : text;
}
