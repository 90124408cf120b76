import { Module } from '@nestjs/common';
import { DeployQueue } from './deploy-queue.js';
import { DeployRunner } from './deploy-runner.js';
import { DeploymentRecovery } from './deployment-recovery.js';

/** The per-target queues, the runner and the crash recovery; the stores come from StorageModule. */
@Module({
  providers: [DeployRunner, DeploymentRecovery, DeployQueue],
  exports: [DeployQueue, DeployRunner],
})
export class DeployModule {}
