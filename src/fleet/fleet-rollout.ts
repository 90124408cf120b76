import { Inject, Injectable, Logger } from '@nestjs/common';
import { CappedLog } from '../deploy/capped-log.js';
import { describe } from '../deploy/deployment-label.js';
import { LiveLogs } from '../deploy/live-logs.js';
import type { LiveLog } from '../deploy/live-log.js';
import type { DeploymentSummary } from '../domain/deployment.js';
import { deploymentFields } from '../domain/log-fields.js';
import type { FleetSettings, Target } from '../domain/target.js';
import { DeploymentEvents } from '../events/deployment-events.js';
import type { HostRecord } from '../storage/deployment-hosts.store.js';
import { STORES } from '../storage/store.providers.js';
import type { Stores } from '../storage/stores.js';
import { fleetJobId } from './fleet-job.js';
import { HostQueues, RedisUnavailableError, type JobView } from './host-queues.js';

/** How often a host's job is looked at while the hub waits for it. */
const POLL_MS = 200;
/** How often a running host's log is written to its row. */
const LOG_SAVE_MS = 1000;
/** How often the outbox tries Redis again while it is unreachable. */
const RETRY_MS = 1000;

export const HOST_OFFLINE = 'host offline';

type HostEnd = 'succeeded' | 'failed' | 'skipped' | 'stopped';

/**
 * Runs one fleet deployment on the hub: hands each host its job (the host rows are the
 * outbox), waits for the agents' results and records them, then the deployment's
 * outcome: `succeeded` when every host succeeded. Resumable: what a host row says is
 * done stays done, and a job already handed over is looked up by its id, never added
 * twice. A host whose job no agent started is withdrawn when a newer deployment of the
 * target is queued (an offline agent deploys only the newest commit when it returns).
 */
@Injectable()
export class FleetRollouts {
  private readonly logger = new Logger('Fleet');
  private readonly live: LiveLogs;
  private readonly shutdown = new AbortController();

  constructor(
    @Inject(STORES) private readonly store: Stores,
    @Inject(DeploymentEvents) private readonly events: DeploymentEvents,
    @Inject(HostQueues) private readonly queues: HostQueues,
  ) {
    this.live = new LiveLogs(store.logs, events);
  }

  /** The hub stops: rollouts stop waiting and stay `running`; the next start resumes them. */
  beginShutdown(): void {
    this.shutdown.abort();
  }

  liveLog(deploymentId: number): string | undefined {
    return this.live.text(deploymentId);
  }

  async run(target: Target, queued: DeploymentSummary): Promise<DeploymentSummary> {
    const fleet = target.fleet!;
    const resumed = queued.status === 'running';
    const deployment = resumed
      ? queued
      : this.store.deployments.update(queued.id, { status: 'running', startedAt: new Date().toISOString() });
    const label = describe(deployment);
    const log = this.live.open(deployment.id);
    if (resumed) log.append(this.store.logs.get(deployment.id) ?? '');
    try {
      this.ensureHostRows(deployment, fleet);
      log.append(
        `hookdeploy: ${resumed ? 'resuming' : 'starting'} a ${fleet.rollout} rollout of ${deployment.requestedSha?.slice(0, 7) ?? `the tip of ${target.branch}`} to ${fleet.hosts.join(', ')}\n`,
      );
      this.logger.log({
        msg: `${label}: ${fleet.rollout} rollout to ${fleet.hosts.length} host(s)`,
        ...deploymentFields(deployment),
      });
      const ends = await this.roll(target, deployment, fleet, log);
      if (ends.includes('stopped')) {
        log.save();
        this.logger.log({
          msg: `${label}: the hub stops; the rollout resumes at its next start`,
          ...deploymentFields(deployment),
        });
        return deployment;
      }
      return this.finish(deployment, log);
    } finally {
      this.live.close(deployment.id);
    }
  }

  /** Rows written before the 202 exist; a deployment made another way (a recovery) gets them now. */
  private ensureHostRows(deployment: DeploymentSummary, fleet: FleetSettings): void {
    if (this.store.hosts.records(deployment.id).length > 0) return;
    this.store.transactions.atomically(() => this.store.hosts.insertAll(deployment.id, fleet.hosts));
  }

  private async roll(
    target: Target,
    deployment: DeploymentSummary,
    fleet: FleetSettings,
    log: LiveLog,
  ): Promise<HostEnd[]> {
    const records = this.store.hosts.records(deployment.id);
    if (fleet.rollout === 'parallel') {
      return Promise.all(records.map((record) => this.host(target, deployment, record, fleet, log)));
    }
    const ends: HostEnd[] = [];
    let stoppedBy: string | undefined;
    for (const record of records) {
      if (stoppedBy !== undefined) {
        if (record.status === 'queued')
          this.setHost(record, { status: 'skipped', error: `skipped: ${stoppedBy}`, finishedAt: now() }, log);
        ends.push('skipped');
        continue;
      }
      const end = await this.host(target, deployment, record, fleet, log);
      ends.push(end);
      if (end === 'stopped') return ends;
      if (end !== 'succeeded') {
        // setHost() keeps `record` as the row is: its error is the one just recorded.
        stoppedBy = `${record.host} ${end === 'skipped' ? 'was skipped' : 'failed'}${record.error ? ` (${record.error})` : ''}`;
      }
    }
    return ends;
  }

  /** One host's share, from the outbox to its result. */
  private async host(
    target: Target,
    deployment: DeploymentSummary,
    record: HostRecord,
    fleet: FleetSettings,
    log: LiveLog,
  ): Promise<HostEnd> {
    if (record.status === 'succeeded' || record.status === 'failed' || record.status === 'skipped')
      return record.status;
    const host = record.host;
    // Rebuilt from the job's own log (a resumed rollout reads it again from its first line).
    const hostLog = new CappedLog();
    let seenLines = 0;
    let logSavedAt = 0;
    const jobId = record.jobId ?? fleetJobId(target.id, deployment.id, deployment.queuedAt);
    let dispatchedAt = record.dispatchedAt;

    // The outbox: the row is on disk; the job reaches Redis as soon as Redis answers.
    let said = false;
    while (dispatchedAt === null) {
      if (this.shutdown.signal.aborted) return 'stopped';
      const newer = this.newerDeployment(deployment);
      if (newer !== undefined) return this.superseded(record, newer, log);
      try {
        const current = this.store.deployments.summaryOf(deployment.id);
        await this.queues.add(host, jobId, {
          target: target.id,
          deployment: deployment.id,
          commit: current.requestedSha,
        });
        dispatchedAt = now();
        this.setHost(record, { jobId, dispatchedAt, sha: current.requestedSha }, log);
      } catch (error) {
        if (!(error instanceof RedisUnavailableError)) throw error;
        if (!said) log.append(`hookdeploy: ${host}: Redis unreachable; the job waits in the outbox\n`);
        said = true;
        await sleep(RETRY_MS, this.shutdown.signal);
      }
    }

    const deadline = Date.parse(dispatchedAt) + fleet.hostTimeoutMs;
    for (;;) {
      if (this.shutdown.signal.aborted) return 'stopped';
      let view: JobView | undefined;
      try {
        view = await this.queues.view(host, jobId);
        if (view.state === 'active' || view.state === 'completed' || view.state === 'failed') {
          const lines = await this.queues.logs(host, jobId, seenLines);
          seenLines += lines.length;
          for (const line of lines) {
            hostLog.append(line);
            log.append(prefixLines(host, line));
          }
          // The host's row follows its output at most once a second (GET /deployments/:id, the dashboard).
          if (lines.length > 0 && record.status === 'running' && Date.now() - logSavedAt >= LOG_SAVE_MS) {
            logSavedAt = Date.now();
            this.store.transactions.atomically(() =>
              this.store.hosts.update(record.deploymentId, host, { log: hostLog.toString() }),
            );
          }
        }
      } catch (error) {
        if (!(error instanceof RedisUnavailableError)) throw error;
        view = undefined; // Redis restarting: the job is there again once it is back (appendonly)
      }
      if (view?.state === 'missing') {
        // Handed over, then lost (a Redis restarted without persistence): hand it over again.
        try {
          const current = this.store.deployments.summaryOf(deployment.id);
          await this.queues.add(host, jobId, {
            target: target.id,
            deployment: deployment.id,
            commit: current.requestedSha,
          });
          log.append(`hookdeploy: ${host}: Redis had lost the job; handed over again\n`);
        } catch (error) {
          if (!(error instanceof RedisUnavailableError)) throw error;
        }
      }
      if (view?.state === 'active' && record.status !== 'running') {
        this.setHost(record, { status: 'running', startedAt: view.startedAt ?? now(), log: hostLog.toString() }, log);
      }
      if (view?.state === 'completed') {
        const { result } = view;
        const status = result.status === 'succeeded' ? 'succeeded' : 'failed';
        this.setHost(
          record,
          {
            status,
            headBefore: result.headBefore,
            headAfter: result.headAfter,
            error: result.error,
            startedAt: record.startedAt ?? view.startedAt,
            finishedAt: view.finishedAt ?? now(),
            log: hostLog.toString(),
          },
          log,
        );
        return status;
      }
      if (view?.state === 'failed') {
        this.setHost(
          record,
          {
            status: 'failed',
            error: view.reason,
            startedAt: record.startedAt ?? view.startedAt,
            finishedAt: view.finishedAt ?? now(),
            log: hostLog.toString(),
          },
          log,
        );
        return 'failed';
      }
      if (view?.state === 'waiting') {
        const newer = this.newerDeployment(deployment);
        if (newer !== undefined && (await this.withdrawn(host, jobId))) return this.superseded(record, newer, log);
      }
      if (Date.now() >= deadline) {
        const neverStarted = record.status !== 'running' && (await this.withdrawn(host, jobId));
        const error = neverStarted
          ? HOST_OFFLINE
          : `did not finish within hostTimeout (${fleet.hostTimeoutMs / 1000}s)`;
        this.setHost(record, { status: 'failed', error, finishedAt: now(), log: hostLog.toString() }, log);
        return 'failed';
      }
      await sleep(POLL_MS, this.shutdown.signal);
    }
  }

  private async withdrawn(host: string, jobId: string): Promise<boolean> {
    try {
      return await this.queues.withdraw(host, jobId);
    } catch (error) {
      if (error instanceof RedisUnavailableError) return false;
      throw error;
    }
  }

  /** A newer deployment of the target waiting: the id, else undefined. */
  private newerDeployment(deployment: DeploymentSummary): number | undefined {
    const waiting = this.store.deployments.nextQueuedId(deployment.target);
    return waiting !== undefined && waiting > deployment.id ? waiting : undefined;
  }

  private superseded(record: HostRecord, newer: number, log: LiveLog): HostEnd {
    this.setHost(record, { status: 'skipped', error: `superseded by deployment ${newer}`, finishedAt: now() }, log);
    return 'skipped';
  }

  private setHost(record: HostRecord, changes: Parameters<Stores['hosts']['update']>[2], log: LiveLog): void {
    this.store.transactions.atomically(() => this.store.hosts.update(record.deploymentId, record.host, changes));
    Object.assign(record, changes);
    if (changes.status !== undefined && changes.status !== 'running') {
      log.append(`hookdeploy: ${record.host}: ${changes.status}${changes.error ? `: ${changes.error}` : ''}\n`);
    } else if (changes.status === 'running') {
      log.append(`hookdeploy: ${record.host}: running\n`);
    }
    // The dashboard hears of a host's change through the deployment's status event.
    this.events.statusChanged(this.store.deployments.summaryOf(record.deploymentId));
  }

  private finish(deployment: DeploymentSummary, log: LiveLog): DeploymentSummary {
    const hosts = this.store.hosts.records(deployment.id);
    const notDone = hosts.filter((host) => host.status !== 'succeeded');
    const heads = new Set(hosts.map((host) => host.headAfter));
    const error =
      notDone.length === 0
        ? null
        : `${notDone.length} of ${hosts.length} host(s) did not deploy: ${notDone.map((host) => `${host.host} ${host.status}${host.error ? ` (${host.error})` : ''}`).join('; ')}`;
    const finished = this.store.transactions.atomically(() => {
      log.save();
      return this.store.deployments.update(deployment.id, {
        status: error === null ? 'succeeded' : 'failed',
        headBefore: null,
        headAfter: heads.size === 1 ? [...heads][0] : null,
        error,
        finishedAt: now(),
      });
    });
    const label = describe(deployment);
    if (error === null) this.logger.log({ msg: `${label}: succeeded on every host`, ...deploymentFields(deployment) });
    else this.logger.error({ msg: `${label}: failed: ${error}`, ...deploymentFields(deployment) });
    this.events.finished(finished);
    return finished;
  }
}

function now(): string {
  return new Date().toISOString();
}

function prefixLines(host: string, chunk: string): string {
  const lines = chunk.endsWith('\n') ? chunk.slice(0, -1).split('\n') : chunk.split('\n');
  return lines.map((line) => `[${host}] ${line}\n`).join('');
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
