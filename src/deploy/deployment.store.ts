import type { Deployment } from './deployment.js';

export type NewDeployment = Pick<Deployment, 'trigger' | 'deliveries' | 'ref' | 'requestedSha'>;
export type DeploymentChanges = Partial<Omit<Deployment, 'id' | 'queuedAt' | 'trigger'>>;

/**
 * Where deployments live. Synchronous on purpose: the queue's accept step
 * (dedup, then coalesce or create) must not interleave with another request.
 */
export abstract class DeploymentStore {
  abstract create(init: NewDeployment): Deployment;
  abstract update(id: number, changes: DeploymentChanges): Deployment;
  abstract get(id: number): Deployment | undefined;
  /** Newest first. */
  abstract list(): Deployment[];
  abstract findByDelivery(deliveryId: string): Deployment | undefined;
  /** The oldest deployment still waiting to run. */
  abstract nextQueued(): Deployment | undefined;
}
