import { Inject, Injectable, Logger } from '@nestjs/common';
import { LOG_CAP_BYTES } from '../../deploy/capped-log.js';
import { DeployRunner } from '../../deploy/deploy-runner.js';
import { errorMessage } from '../../deploy/deploy-failure.js';
import type { Target } from '../../domain/target.js';
import { DeploymentEvents } from '../../events/deployment-events.js';
import { STORES } from '../../storage/store.providers.js';
import type { Stores } from '../../storage/stores.js';
import { WorkTreeLocks } from '../../targets/work-tree-locks.js';
import type { FleetJob, FleetJobResult } from '../fleet-job.js';

/** How often an agent hands the output gathered so far to the job (BullMQ's job log, read by the hub). */
const LOG_FLUSH_MS = 250;
/** At most this much of a deploy's output goes to Redis; the agent's own history keeps its capped whole. */
const FORWARDED_LOG_CAP = LOG_CAP_BYTES;

/**
 * An agent's deploys: a job becomes a local deployment (its own DATA_DIR keeps them, with
 * what the local crash recovery reads), run by the same DeployRunner as a single host's,
 * so in-place and release mode work alike. The local deployment a crash recovery left
 * queued is the one the redone job takes over.
 */
@Injectable()
export class AgentDeployments {
  private readonly logger = new Logger('Agent');
  private readonly locks = new WorkTreeLocks();

  constructor(
    @Inject(STORES) private readonly store: Stores,
    @Inject(DeployRunner) private readonly runner: DeployRunner,
    @Inject(DeploymentEvents) private readonly events: DeploymentEvents,
  ) {}

  /** `output` gets the deployment's log in chunks, at most every 250 ms. */
  async deploy(target: Target, job: FleetJob, output: (chunk: string) => Promise<unknown>): Promise<FleetJobResult> {
    const unlock = await this.locks.acquire(target.repoPath);
    try {
      const id = this.store.transactions.atomically(() => {
        const ref = `refs/heads/${target.branch}`;
        const waiting = this.store.deployments.nextQueuedId(target.id);
        if (waiting === undefined) {
          return this.store.deployments.insert(target.id, { trigger: 'push', ref, requestedSha: job.commit });
        }
        this.store.deployments.set(waiting, { ref, requestedSha: job.commit });
        return waiting;
      });
      this.logger.log({
        msg: `hub deployment ${job.deployment} of ${target.id}: local deployment ${id}`,
        target: target.id,
        deployment: id,
      });
      let pending = '';
      let forwarded = 0;
      let flushing: Promise<unknown> = Promise.resolve();
      const gather = (chunk: string): void => {
        if (forwarded >= FORWARDED_LOG_CAP) return;
        forwarded += chunk.length;
        pending += chunk;
        if (forwarded >= FORWARDED_LOG_CAP) {
          pending += `\nhookdeploy: the rest of this host's output is in its own history (local deployment ${id})\n`;
        }
      };
      const flush = (): void => {
        if (pending === '') return;
        const chunk = pending;
        pending = '';
        flushing = flushing.then(() => output(chunk)).catch(() => undefined);
      };
      const timer = setInterval(flush, LOG_FLUSH_MS);
      const unsubscribe = this.events.subscribe(id, { log: gather, status: () => undefined });
      try {
        const finished = await this.runner.run(target, this.store.deployments.summaryOf(id));
        return {
          status: finished.status === 'succeeded' ? 'succeeded' : 'failed',
          headBefore: finished.headBefore,
          headAfter: finished.headAfter,
          error: finished.error,
        };
      } catch (error) {
        return { status: 'failed', headBefore: null, headAfter: null, error: errorMessage(error) };
      } finally {
        unsubscribe();
        clearInterval(timer);
        flush();
        await flushing;
      }
    } finally {
      unlock();
    }
  }
}
