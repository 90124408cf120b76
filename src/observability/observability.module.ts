import { Global, Module } from '@nestjs/common';
import { DeploymentMetrics } from './deployment-metrics.js';
import { MetricsController } from './metrics.controller.js';
import { Metrics } from './metrics.js';
import { WebhookRefusals } from './webhook-refusals.js';

/** `GET /metrics`, and what the rest of the application records into it. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [Metrics, DeploymentMetrics, WebhookRefusals],
  exports: [Metrics, WebhookRefusals],
})
export class ObservabilityModule {}
