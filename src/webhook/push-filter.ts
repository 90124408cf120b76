import { decide as decideForgeEvent, type DeployTarget, type Decision } from '../forges/decide.js';
import { github } from '../forges/github.js';

export type { Push } from '../domain/push.js';
export type { Decision, DeployTarget } from '../forges/decide.js';

/**
 * Decides what a verified GitHub delivery means for this deployment: GitHub's adapter
 * reads it, the forge-neutral decide() (src/forges/decide.ts) applies the contract.
 */
export function decide(event: string, payload: object, target: DeployTarget): Decision {
  return decideForgeEvent(github.normalize(event, payload), target);
}
