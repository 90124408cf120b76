import { Module } from '@nestjs/common';
import { STORE_EXPORTS, STORE_PROVIDERS } from '../storage/store.providers.js';
import { DeployQueue } from './deploy-queue.js';
import { DeployRunner } from './deploy-runner.js';
import { DeploymentEvents } from './deployment-events.js';
import { DeploymentRecovery } from './deployment-recovery.js';

@Module({
  providers: [DeploymentEvents, ...STORE_PROVIDERS, DeployRunner, DeploymentRecovery, DeployQueue],
  exports: [DeployQueue, DeploymentEvents, DeployRunner, ...STORE_EXPORTS],
})
export class DeployModule {}
