import type { HostStatus } from '../domain/deployment-host.js';
import type { Target } from '../domain/target.js';
import type { DeploymentHostsStore } from '../storage/deployment-hosts.store.js';

/** One host of a fleet target, as its newest fleet deployment left it (null: in none yet). */
export interface FleetHostSummary {
  host: string;
  status: HostStatus | null;
  headAfter: string | null;
}

/** What /health and /targets say of a fleet target on the hub. */
export interface FleetTreeStatus {
  status: 'ok';
  branch: string;
  /** The hub has no work tree of its own: each host's commit is in `hosts`. */
  head: null;
  hosts: FleetHostSummary[];
}

/**
 * A fleet target on the hub: usable (its work trees are the agents'), its branch, and each
 * configured host's status and commit in the newest deployment that had hosts.
 */
export function fleetTreeStatus(target: Target, store: DeploymentHostsStore): FleetTreeStatus {
  const newest = new Map(store.newestOf(target.id).map((row) => [row.host, row]));
  const hosts = (target.fleet?.hosts ?? []).map((host): FleetHostSummary => {
    const row = newest.get(host);
    return { host, status: row?.status ?? null, headAfter: row?.headAfter ?? null };
  });
  return { status: 'ok', branch: target.branch, head: null, hosts };
}
