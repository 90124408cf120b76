import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DeploymentEvents } from '../events/deployment-events.js';
import { forgeAdapter } from '../forges/forges.js';
import { DeploymentsStore } from '../storage/deployments.store.js';
import { TargetStateStore } from '../storage/target-state.store.js';
import { TargetRegistry } from '../targets/target-registry.js';
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
    @Inject(TargetRegistry) private readonly registry: TargetRegistry,
    @Inject(TargetStateStore) private readonly states: TargetStateStore,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.onFinished((deployment) => this.metrics.deploymentFinished(deployment));
    const startSeries = (target: { id: string; forge: Parameters<typeof forgeAdapter>[0] }): void =>
      this.metrics.startSeries(target.id, forgeAdapter(target.forge).pushEvent);
    for (const target of this.registry.all()) startSeries(target);
    this.registry.onChange((change) => change.added.forEach(startSeries));
    this.metrics.targetGaugeAtScrape(
      'hookdeploy_queue_depth',
      'Deployments waiting to run, by target (pushes that arrive during a deploy join the one waiting deployment).',
      () => this.perTarget((id) => this.deployments.list({ target: id, status: 'queued', limit: 1000 }).length),
    );
    this.metrics.targetGaugeAtScrape(
      'hookdeploy_deployments_running',
      'Deployments running now, by target (0 or 1 each).',
      () => this.perTarget((id) => this.deployments.running(id).length),
    );
    this.metrics.targetGaugeAtScrape(
      'hookdeploy_target_paused',
      'Whether the target is paused (1): its pushes are recorded but not deployed until it is resumed.',
      () => this.perTarget((id) => (this.states.isPaused(id) ? 1 : 0)),
    );
    this.metrics.targetGaugeAtScrape(
      'hookdeploy_last_successful_deploy_timestamp_seconds',
      "When the target's newest succeeded deployment finished (Unix time); 0 when there is none.",
      () =>
        this.perTarget((id) => {
          const finishedAt = this.deployments.lastSucceeded(id)?.finishedAt;
          return finishedAt ? Date.parse(finishedAt) / 1000 : 0;
        }),
    );
  }

  /** One value per configured target; NaN for each when the database cannot answer. */
  private perTarget(value: (target: string) => number): Array<[string, number]> {
    return this.registry.all().map((target) => [target.id, this.read(() => value(target.id))]);
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
