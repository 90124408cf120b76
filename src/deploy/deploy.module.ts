import { Module } from '@nestjs/common';
import { DATABASE } from '../storage/storage.module.js';
import type { Db } from '../storage/open-database.js';
import { DeployQueue } from './deploy-queue.js';
import { DeployRunner } from './deploy-runner.js';
import { DeploymentEvents } from './deployment-events.js';
import { DeploymentRecovery } from './deployment-recovery.js';
import { DeploymentStore } from './deployment.store.js';
import { WalSync } from '../storage/wal-sync.js';
import { GroupCommit } from './group-commit.js';

@Module({
  providers: [
    DeploymentEvents,
    {
      provide: DeploymentStore,
      inject: [DATABASE, DeploymentEvents],
      useFactory: (db: Db, events: DeploymentEvents) => new DeploymentStore(db, events),
    },
    DeployRunner,
    DeploymentRecovery,
    { provide: WalSync, inject: [DATABASE], useFactory: (db: Db) => new WalSync(db) },
    GroupCommit,
    DeployQueue,
  ],
  exports: [DeployQueue, DeploymentStore, DeploymentEvents, DeployRunner, GroupCommit],
})
export class DeployModule {}
