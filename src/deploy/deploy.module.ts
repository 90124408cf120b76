import { Module } from '@nestjs/common';
import { FleetModule } from '../fleet/fleet.module.js';
import { DeployQueue } from './deploy-queue.js';
import { DeployRunner } from './deploy-runner.js';
import { DeploymentRecovery } from './deployment-recovery.js';
import { ReleaseDeploy } from './release-deploy.js';
import { DATABASE } from '../storage/database.token.js';
import type { Db } from '../storage/open-database.js';
import { PreparedStatements } from '../storage/prepared-statements.js';
import { ReleaseStepsStore } from '../storage/release-steps.store.js';

/** The release columns; apart from STORES so the release code adds no line to every store's set. */
const RELEASE_STEPS = {
  provide: ReleaseStepsStore,
  inject: [DATABASE],
  useFactory: (db: Db) => new ReleaseStepsStore(new PreparedStatements(db)),
};

/** The per-target queues, the runner and the crash recovery; the stores come from StorageModule. */
@Module({
  imports: [FleetModule],
  providers: [DeployRunner, DeploymentRecovery, DeployQueue, ReleaseDeploy, RELEASE_STEPS],
  exports: [DeployQueue, DeployRunner, FleetModule],
})
export class DeployModule {}
