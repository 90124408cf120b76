import { Module } from '@nestjs/common';
import { DeployQueue } from './deploy-queue.js';
import { DeployRunner } from './deploy-runner.js';
import { DeploymentStore } from './deployment.store.js';
import { InMemoryDeploymentStore } from './in-memory-deployment.store.js';

@Module({
  providers: [{ provide: DeploymentStore, useFactory: () => new InMemoryDeploymentStore() }, DeployRunner, DeployQueue],
  exports: [DeployQueue, DeploymentStore],
})
export class DeployModule {}
