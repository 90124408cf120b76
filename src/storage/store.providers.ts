import type { Provider } from '@nestjs/common';
import { DeploymentEvents } from '../events/deployment-events.js';
import { ActivityStore } from './activity.store.js';
import { DeliveriesStore } from './deliveries.store.js';
import { DeploymentHostsStore } from './deployment-hosts.store.js';
import { DeploymentLogsStore } from './deployment-logs.store.js';
import { DeploymentsStore } from './deployments.store.js';
import { GroupCommit } from './group-commit.js';
import type { Db } from './open-database.js';
import { Retention } from './retention.js';
import { DATABASE } from './database.token.js';
import { createStores, type Stores } from './stores.js';
import { TargetStateStore } from './target-state.store.js';
import { Transactions } from './transactions.js';
import { WalSync } from './wal-sync.js';

/** All the stores at once, for the code that uses several (the deploy runner). */
export const STORES = Symbol('STORES');

/** One store out of the set createStores() made: they share statements and transactions. */
function fromStores(token: new (...args: never[]) => unknown, key: keyof Stores): Provider {
  return { provide: token, inject: [STORES], useFactory: (stores: Stores) => stores[key] };
}

/**
 * The stores, group commit and WAL sync as Nest providers. Registered by DeployModule
 * (not the global StorageModule): the stores announce status changes to its
 * DeploymentEvents.
 */
export const STORE_PROVIDERS: Provider[] = [
  {
    provide: STORES,
    inject: [DATABASE, DeploymentEvents],
    useFactory: (db: Db, events: DeploymentEvents) => createStores(db, events),
  },
  fromStores(Transactions, 'transactions'),
  fromStores(DeploymentsStore, 'deployments'),
  fromStores(DeliveriesStore, 'deliveries'),
  fromStores(DeploymentLogsStore, 'logs'),
  fromStores(ActivityStore, 'activity'),
  fromStores(Retention, 'retention'),
  fromStores(TargetStateStore, 'targetState'),
  fromStores(DeploymentHostsStore, 'hosts'),
  { provide: WalSync, inject: [DATABASE], useFactory: (db: Db) => new WalSync(db) },
  GroupCommit,
];

/** What the modules that import DeployModule may inject. */
export const STORE_EXPORTS = [
  STORES,
  Transactions,
  DeploymentsStore,
  DeliveriesStore,
  DeploymentLogsStore,
  ActivityStore,
  Retention,
  TargetStateStore,
  DeploymentHostsStore,
  GroupCommit,
];
