import { isFinished, type Deployment } from './deployment.js';
import { DeploymentStore, type DeploymentChanges, type NewDeployment } from './deployment.store.js';

// Callers get copies, so a record changes only through update().
function copy(deployment: Deployment): Deployment {
  return { ...deployment, deliveries: [...deployment.deliveries] };
}

/** Keeps this many deployments; older finished ones (and their delivery ids) are forgotten. */
export const IN_MEMORY_HISTORY = 1000;

/** The store until durable history exists: lost on restart, bounded in memory. */
export class InMemoryDeploymentStore extends DeploymentStore {
  private readonly deployments = new Map<number, Deployment>();
  private readonly byDelivery = new Map<string, number>();
  private lastId = 0;

  constructor(private readonly history = IN_MEMORY_HISTORY) {
    super();
  }

  create(init: NewDeployment): Deployment {
    const deployment: Deployment = {
      id: ++this.lastId,
      status: 'queued',
      trigger: init.trigger,
      deliveries: [...init.deliveries],
      ref: init.ref,
      requestedSha: init.requestedSha,
      headBefore: null,
      headAfter: null,
      queuedAt: new Date().toISOString(),
      startedAt: null,
      finishedAt: null,
      error: null,
      log: '',
    };
    this.deployments.set(deployment.id, deployment);
    this.index(deployment);
    this.prune();
    return copy(deployment);
  }

  update(id: number, changes: DeploymentChanges): Deployment {
    const current = this.deployments.get(id);
    if (!current) throw new Error(`no deployment ${id}`);
    const next = { ...current, ...changes, deliveries: [...(changes.deliveries ?? current.deliveries)] };
    this.deployments.set(id, next);
    this.index(next);
    return copy(next);
  }

  get(id: number): Deployment | undefined {
    const deployment = this.deployments.get(id);
    return deployment && copy(deployment);
  }

  list(): Deployment[] {
    return [...this.deployments.values()].reverse().map((deployment) => copy(deployment));
  }

  findByDelivery(deliveryId: string): Deployment | undefined {
    const id = this.byDelivery.get(deliveryId);
    return id === undefined ? undefined : this.get(id);
  }

  nextQueued(): Deployment | undefined {
    for (const deployment of this.deployments.values()) {
      if (deployment.status === 'queued') return copy(deployment);
    }
    return undefined;
  }

  private index(deployment: Deployment): void {
    for (const delivery of deployment.deliveries) this.byDelivery.set(delivery, deployment.id);
  }

  private prune(): void {
    for (const [id, deployment] of this.deployments) {
      if (this.deployments.size <= this.history) return;
      if (!isFinished(deployment)) continue;
      this.deployments.delete(id);
      for (const delivery of deployment.deliveries) this.byDelivery.delete(delivery);
    }
  }
}
