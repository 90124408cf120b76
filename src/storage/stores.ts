import { ActivityStore } from './activity.store.js';
import { DeliveriesStore } from './deliveries.store.js';
import { DeploymentHostsStore } from './deployment-hosts.store.js';
import { DeploymentLogsStore } from './deployment-logs.store.js';
import { DeploymentsStore } from './deployments.store.js';
import type { Db } from './open-database.js';
import { PreparedStatements } from './prepared-statements.js';
import { Retention } from './retention.js';
import { StatusNotifier, type StatusListener } from './status-notifier.js';
import { TargetStateStore } from './target-state.store.js';
import { Transactions } from './transactions.js';

/** Every store over one database, sharing its statements, its transactions and its status announcements. */
export interface Stores {
  transactions: Transactions;
  deployments: DeploymentsStore;
  deliveries: DeliveriesStore;
  logs: DeploymentLogsStore;
  activity: ActivityStore;
  retention: Retention;
  targetState: TargetStateStore;
  /** A fleet deployment's hosts (issue 13). */
  hosts: DeploymentHostsStore;
}

/**
 * The stores: the only code that reads or writes the tables (besides the migrations).
 * `listener` hears of every committed status change (DeploymentEvents in the application).
 */
export function createStores(db: Db, listener?: StatusListener): Stores {
  const statements = new PreparedStatements(db);
  const transactions = new Transactions(db);
  const notifier = new StatusNotifier(statements, transactions, listener);
  const logs = new DeploymentLogsStore(statements);
  return {
    transactions,
    deployments: new DeploymentsStore(statements, notifier, logs),
    deliveries: new DeliveriesStore(statements, notifier),
    logs,
    activity: new ActivityStore(statements),
    retention: new Retention(statements, transactions),
    targetState: new TargetStateStore(statements),
    hosts: new DeploymentHostsStore(statements),
  };
}
