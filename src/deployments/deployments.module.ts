import { Module } from '@nestjs/common';
import { AdminGuard } from '../auth/admin.guard.js';
import { LoginThrottle } from '../auth/login-throttle.js';
import { SessionController } from '../auth/session.controller.js';
import { DeployModule } from '../deploy/deploy.module.js';
import { DeliveriesController } from './deliveries.controller.js';
import { DeploymentsController } from './deployments.controller.js';
import { EventStreams } from './event-streams.js';

@Module({
  imports: [DeployModule],
  controllers: [DeploymentsController, DeliveriesController, SessionController],
  providers: [AdminGuard, LoginThrottle, EventStreams],
})
export class DeploymentsModule {}
