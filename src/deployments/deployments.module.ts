import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { DeployModule } from '../deploy/deploy.module.js';
import { TargetsController } from './targets.controller.js';
import { DeliveriesController } from './deliveries.controller.js';
import { DeploymentsController } from './deployments.controller.js';
import { EventStreams } from './event-streams.js';

/** The admin API: deployments, deliveries and targets, behind AdminGuard. */
@Module({
  imports: [DeployModule, AuthModule],
  controllers: [DeploymentsController, DeliveriesController, TargetsController],
  providers: [EventStreams],
})
export class DeploymentsModule {}
