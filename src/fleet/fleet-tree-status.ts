import type { Target } from '../domain/target.js';
import type { WorkTreeStatus } from '../targets/work-tree-status.js';

/** What /health and /targets say of a fleet target on the hub: usable, its branch, no HEAD of its own. */
export function fleetTreeStatus(target: Target): WorkTreeStatus & { status: 'ok' } {
  return { status: 'ok', branch: target.branch, head: '' };
}
