import { CappedLog } from '../deploy/capped-log.js';
import type { DeploymentHost } from '../domain/deployment-host.js';

/**
 * What all hosts' logs may take together in one answer. Each is capped at 1 MiB on its own,
 * but a fleet may have 100 hosts: without a shared bound one `GET /deployments/:id` would
 * build a 100 MiB answer. The deployment's own log holds every host's output too.
 */
export const HOST_LOGS_BUDGET = 4 * 1024 * 1024;

/** The hosts with each log cut to its share of the budget (start and end kept, as a deployment's log is). */
export function hostLogsWithinBudget(hosts: DeploymentHost[], budget = HOST_LOGS_BUDGET): DeploymentHost[] {
  const share = Math.floor(budget / Math.max(hosts.length, 1));
  return hosts.map((host) => {
    if (host.log.length <= share) return host;
    const log = new CappedLog(share);
    log.append(host.log);
    return { ...host, log: log.toString() };
  });
}
