import { Module } from '@nestjs/common';
import { FleetModule } from '../fleet/fleet.module.js';
import { DeployQueue } from './deploy-queue.js';
import { DeployRunner } from './deploy-runner.js';
import { DeploymentRecovery } from './deployment-recovery.js';
import { ReleaseDeploy } from './release-deploy.js';
import { RELEASE_STEPS } from './release-steps.provider.js';

/** The per-target queues, the runner and the crash recovery; the stores come from StorageModule. */
@Module({
  imports: [FleetModule],
  providers: [DeployRunner, DeploymentRecovery, DeployQueue, ReleaseDeploy, RELEASE_STEPS],
  exports: [DeployQueue, DeployRunner, FleetModule],
})
export class DeployModule {}
