import { Module } from '@nestjs/common';
import { DeployModule } from '../deploy/deploy.module.js';
import { AdminTokenGuard } from './admin-token.guard.js';
import { DeploymentsController } from './deployments.controller.js';

@Module({
  imports: [DeployModule],
  controllers: [DeploymentsController],
  providers: [AdminTokenGuard],
})
export class DeploymentsModule {}
