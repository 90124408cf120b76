import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ServiceConfig } from '../config/service-config.js';
import { hostQueueName, JOB_NAME, KEEP_FINISHED, KEY_PREFIX, type FleetJob, type FleetJobResult } from './fleet-job.js';
import { redisClient } from './redis-client.js';
import { redactedRedisUrl } from './redis-url.js';

/** How long one call to Redis may take before the hub treats Redis as unreachable (and tries again later). */
const CALL_TIMEOUT_MS = 3000;

export class RedisUnavailableError extends Error {}

/** What the hub reads of a host's job. */
export type JobView =
  | { state: 'missing' }
  | { state: 'waiting' }
  | { state: 'active'; startedAt: string | null }
  | { state: 'completed'; startedAt: string | null; finishedAt: string | null; result: FleetJobResult }
  | { state: 'failed'; startedAt: string | null; finishedAt: string | null; reason: string };

/**
 * The hub's side of the broker: one BullMQ queue per host over one connection, made on
 * first use (a hub without fleet targets never connects). Every call is bounded in time:
 * while Redis is down the caller gets a RedisUnavailableError and keeps its outbox.
 */
@Injectable()
export class HostQueues implements OnApplicationShutdown {
  private readonly logger = new Logger('Fleet');
  private readonly queues = new Map<string, Queue>();
  private client: Redis | undefined;
  private down = false;

  constructor(@Inject(ConfigService) private readonly config: ConfigService<ServiceConfig, true>) {}

  get configured(): boolean {
    return this.config.get('redisUrl', { infer: true }) !== undefined;
  }

  /** Adds the job; a job id Redis already holds adds nothing (a second hand-over after a crash). */
  async add(host: string, jobId: string, job: FleetJob): Promise<void> {
    await this.bounded(
      this.queue(host).add(JOB_NAME, job, {
        jobId,
        // An agent's failure is the deploy's outcome: the hub records it, never retries it.
        attempts: 1,
        removeOnComplete: KEEP_FINISHED,
        removeOnFail: KEEP_FINISHED,
      }),
    );
  }

  async view(host: string, jobId: string): Promise<JobView> {
    const queue = this.queue(host);
    // The state first: once it says finished, the job read after it holds the result.
    const state = await this.bounded(queue.getJobState(jobId));
    if (state === 'unknown') return { state: 'missing' };
    const job = await this.bounded(Job.fromId<FleetJob, FleetJobResult>(queue, jobId));
    if (job === undefined) return { state: 'missing' };
    const startedAt = job.processedOn ? new Date(job.processedOn).toISOString() : null;
    const finishedAt = job.finishedOn ? new Date(job.finishedOn).toISOString() : null;
    if (state === 'completed') return { state, startedAt, finishedAt, result: job.returnvalue };
    if (state === 'failed') return { state, startedAt, finishedAt, reason: job.failedReason };
    if (state === 'active') return { state, startedAt };
    return { state: 'waiting' };
  }

  /** The log lines the agent added from `start` on. */
  async logs(host: string, jobId: string, start: number): Promise<string[]> {
    const { logs } = await this.bounded(this.queue(host).getJobLogs(jobId, start, -1, true));
    return logs;
  }

  /** Takes a job back that no agent started: true when it was removed (an active job is locked and stays). */
  async withdraw(host: string, jobId: string): Promise<boolean> {
    const state = await this.bounded(this.queue(host).getJobState(jobId));
    if (state === 'active' || state === 'completed' || state === 'failed') return false;
    return (await this.bounded(this.queue(host).remove(jobId))) === 1;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.queues.values()].map((queue) => queue.close()));
    this.client?.disconnect();
  }

  private queue(host: string): Queue {
    let queue = this.queues.get(host);
    if (queue === undefined) {
      queue = new Queue(hostQueueName(host), { connection: this.connection(), prefix: KEY_PREFIX });
      // Without a listener an 'error' event would end the process; the connection reports them.
      queue.on('error', () => undefined);
      this.queues.set(host, queue);
    }
    return queue;
  }

  private connection(): Redis {
    if (this.client) return this.client;
    const url = this.config.get('redisUrl', { infer: true });
    if (url === undefined) throw new RedisUnavailableError('REDIS_URL is not set: a fleet target needs it');
    const client = redisClient(url);
    // Once per outage, never with the password.
    client.on('error', (error: Error) => {
      if (this.down) return;
      this.down = true;
      this.logger.warn(`Redis at ${redactedRedisUrl(url)} unreachable (${error.message}): jobs wait in the outbox`);
    });
    client.on('ready', () => {
      if (this.down) this.logger.log(`Redis at ${redactedRedisUrl(url)} reachable again`);
      this.down = false;
    });
    this.client = client;
    return client;
  }

  private async bounded<T>(call: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RedisUnavailableError('Redis did not answer in time')), CALL_TIMEOUT_MS);
    });
    try {
      return await Promise.race([call, timeout]);
    } catch (error) {
      if (error instanceof RedisUnavailableError) throw error;
      throw new RedisUnavailableError((error as Error).message, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
}
