import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DeploymentEvents } from '../deploy/deployment-events.js';
import { DEFAULT_TARGET_ID } from '../domain/target.js';
import { DeploymentsStore } from '../storage/deployments.store.js';
import { Metrics } from './metrics.js';

/**
 * The deployment metrics: counted as deployments finish (DeploymentEvents, after the
 * store committed), and read from the store at scrape time for what must survive a
 * restart (the last success) or is a state rather than an event (the queue).
 */
@Injectable()
export class DeploymentMetrics implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Metrics');
  private unsubscribe: (() => void) | undefined;
  private storeFailing = false;

  constructor(
    @Inject(Metrics) private readonly metrics: Metrics,
    @Inject(DeploymentEvents) private readonly events: DeploymentEvents,
    @Inject(DeploymentsStore) private readonly deployments: DeploymentsStore,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.onFinished((deployment) => this.metrics.deploymentFinished(deployment));
    this.metrics.gaugeAtScrape(
      'hookdeploy_queue_depth',
      'Deployments waiting to run (pushes that arrive during a deploy join the one waiting deployment).',
      () => this.read(() => this.deployments.list({ target: DEFAULT_TARGET_ID, status: 'queued', limit: 1000 }).length),
    );
    this.metrics.gaugeAtScrape('hookdeploy_deployments_running', 'Deployments running now (0 or 1).', () =>
      this.read(() => this.deployments.running(DEFAULT_TARGET_ID).length),
    );
    this.metrics.gaugeAtScrape(
      'hookdeploy_last_successful_deploy_timestamp_seconds',
      'When the newest succeeded deployment in the history finished (Unix time); 0 when there is none.',
      () =>
        this.read(() => {
          const finishedAt = this.deployments.lastSucceeded(DEFAULT_TARGET_ID)?.finishedAt;
          return finishedAt ? Date.parse(finishedAt) / 1000 : 0;
        }),
    );
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** NaN when the database cannot answer: the scrape still works, and says "unknown". */
  private read(value: () => number): number {
    try {
      const result = value();
      this.storeFailing = false;
      return result;
    } catch (error) {
      // Once per outage, not once per scrape.
      if (!this.storeFailing) this.logger.error(`metrics: the history cannot be read: ${(error as Error).message}`);
      this.storeFailing = true;
      return Number.NaN;
    }
  }
}
