import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { DeploymentRecovery } from '../../deploy/deployment-recovery.js';
import { TargetRegistry } from '../../targets/target-registry.js';
import { hostQueueName, isFleetJob, KEY_PREFIX, type FleetJobResult } from '../fleet-job.js';
import { redisClient } from '../redis-client.js';
import { redactedRedisUrl } from '../redis-url.js';
import { AgentDeployments } from './agent-deployments.js';
import { AGENT_SETTINGS, type AgentSettings } from './agent-settings.js';

/**
 * The agent's one BullMQ worker, on its host's queue. A job's lock is renewed every 5 s
 * and expires 15 s after the agent died; the stalled-job check (every 5 s) then puts the
 * job back, and the restarted agent redoes it (after its local crash recovery).
 */
const LOCK_DURATION_MS = 15_000;
const STALLED_INTERVAL_MS = 5_000;
/** A job whose deploy kills the agent again and again fails after this many redos. */
const MAX_STALLED = 3;

@Injectable()
export class AgentWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Agent');
  private worker: Worker | undefined;
  private connection: Redis | undefined;
  private down = false;

  constructor(
    @Inject(AGENT_SETTINGS) private readonly settings: AgentSettings,
    @Inject(TargetRegistry) private readonly registry: TargetRegistry,
    @Inject(DeploymentRecovery) private readonly recovery: DeploymentRecovery,
    @Inject(AgentDeployments) private readonly deployments: AgentDeployments,
  ) {}

  /** The local crash recovery of every target first, then the jobs. */
  async onApplicationBootstrap(): Promise<void> {
    for (const target of this.registry.all()) await this.recovery.recover(target);
    const { host, redisUrl, concurrency } = this.settings;
    const connection = redisClient(redisUrl);
    connection.on('error', (error: Error) => {
      if (this.down) return;
      this.down = true;
      this.logger.warn(`Redis at ${redactedRedisUrl(redisUrl)} unreachable (${error.message}); retrying`);
    });
    connection.on('ready', () => {
      if (this.down) this.logger.log(`Redis at ${redactedRedisUrl(redisUrl)} reachable again`);
      this.down = false;
    });
    this.connection = connection;
    this.worker = new Worker(hostQueueName(host), (job) => this.process(job), {
      connection,
      prefix: KEY_PREFIX,
      concurrency,
      lockDuration: LOCK_DURATION_MS,
      stalledInterval: STALLED_INTERVAL_MS,
      maxStalledCount: MAX_STALLED,
    });
    this.worker.on('error', () => undefined);
    this.worker.on('failed', (job, error) => {
      if (job) this.logger.warn({ msg: `job ${job.id}: failed: ${error.message}`, job: job.id });
    });
    this.logger.log(
      `agent ${host}: taking jobs from ${KEY_PREFIX}:${hostQueueName(host)} at ${redactedRedisUrl(redisUrl)} for ${this.registry
        .all()
        .map((target) => target.id)
        .join(', ')}`,
    );
  }

  /** Waits for the running deploys (BullMQ's close waits for active jobs), then disconnects. */
  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
    this.connection?.disconnect();
  }

  private async process(job: Job): Promise<FleetJobResult> {
    // Only the three fields, checked: nothing else from the broker is ever used.
    if (!isFleetJob(job.data)) throw new UnrecoverableError(`agent ${this.settings.host}: not a deploy job`);
    const { target: id } = job.data;
    const target = this.registry.get(id);
    if (target === undefined) {
      throw new UnrecoverableError(`agent ${this.settings.host} has no target "${id}" in its configuration`);
    }
    if (target.fleet !== undefined) {
      throw new UnrecoverableError(
        `agent ${this.settings.host}: target "${id}" has hosts here too; an agent deploys a work tree`,
      );
    }
    this.logger.log({
      msg: `job ${job.id}: deploying ${id} at ${job.data.commit?.slice(0, 7) ?? 'the tip of ' + target.branch}${job.attemptsStarted > 1 ? ' (again: the agent stopped during it)' : ''}`,
      target: id,
    });
    return this.deployments.deploy(target, job.data, (chunk) => job.log(chunk));
  }
}
