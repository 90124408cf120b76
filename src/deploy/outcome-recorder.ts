import { Logger } from '@nestjs/common';
import { deploymentFields } from '../domain/log-fields.js';
import { errorMessage } from './deploy-failure.js';
import type { DeploymentSummary } from '../domain/deployment.js';
import type { DeploymentEvents } from '../events/deployment-events.js';
import { describe } from './deployment-label.js';
import type { Stores } from '../storage/stores.js';
import type { LiveLog } from './live-log.js';
import { retryWrite } from './retry-write.js';

/** How a deployment ended, before it is recorded. */
export type Outcome =
  | { status: 'succeeded'; headBefore: string; headAfter: string }
  | { status: 'failed'; headBefore: string | null; headAfter: string | null; error: string };

/**
 * Records a deployment's outcome in one transaction: final log, activity cleared,
 * status, heads, error, finishedAt. A write the database refuses (a full disk) is
 * retried until it passes (retry-write.ts): the worker takes the next deployment only
 * after this one's end is on record. After beginShutdown() the retries end within a
 * grace; the deployment then stays `running`, and the next start's recovery marks it
 * `interrupted` (and redeploys the branch).
 */
export class OutcomeRecorder {
  private readonly logger = new Logger('Deploy');
  private readonly shutdown = new AbortController();

  constructor(
    private readonly store: Pick<Stores, 'transactions' | 'activity' | 'deployments'>,
    private readonly events: DeploymentEvents,
  ) {}

  beginShutdown(): void {
    this.shutdown.abort();
  }

  /** Resolves with the recorded deployment; throws only when shutdown cut the retries short. */
  async record(deployment: DeploymentSummary, outcome: Outcome, log: LiveLog): Promise<DeploymentSummary> {
    const label = describe(deployment);
    const said = outcome.status === 'succeeded' ? 'succeeded' : `failed: ${outcome.error}`;
    let failures = 0;
    let finished: DeploymentSummary;
    try {
      finished = await retryWrite(() => this.write(deployment.id, outcome, log), {
        shutdown: this.shutdown.signal,
        onFailure: (error, attempt) => {
          failures = attempt;
          // Once per outage: the retries go on quietly.
          if (attempt > 1) return;
          this.logger.error({
            msg: `${label}: could not record its outcome (${said}): ${errorMessage(error)}; retrying until the database takes it`,
            ...deploymentFields(deployment),
          });
        },
      });
    } catch (error) {
      throw new Error(
        `its outcome (${said}) never reached the database: ${errorMessage(error)}; the next start marks it interrupted`,
        { cause: error },
      );
    }
    if (failures > 0) {
      this.logger.log({
        msg: `${label}: outcome recorded after ${failures + 1} attempts`,
        ...deploymentFields(deployment),
      });
    }
    this.events.finished(finished);
    return finished;
  }

  private write(id: number, outcome: Outcome, log: LiveLog): DeploymentSummary {
    return this.store.transactions.atomically(() => {
      log.save();
      this.store.activity.set(id, null);
      return this.store.deployments.update(id, {
        status: outcome.status,
        headBefore: outcome.headBefore,
        headAfter: outcome.headAfter,
        error: outcome.status === 'failed' ? outcome.error : null,
        finishedAt: new Date().toISOString(),
      });
    });
  }
}
