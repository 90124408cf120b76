import { describe, expect, it } from '@jest/globals';
import type { DeploymentStatus } from './deployment.js';
import type { NewDeployment } from './deployment.store.js';
import { InMemoryDeploymentStore } from './in-memory-deployment.store.js';

function newDeployment(delivery: string, sha = 'a'.repeat(40)): NewDeployment {
  return { trigger: 'push', deliveries: [delivery], ref: 'refs/heads/main', requestedSha: sha };
}

/** A store holding deployments d1, d2, ... with the given statuses, oldest first. */
function storeWith(statuses: DeploymentStatus[], history?: number): InMemoryDeploymentStore {
  const store = new InMemoryDeploymentStore(history);
  for (const [index, status] of statuses.entries()) {
    const { id } = store.create(newDeployment(`d${index + 1}`));
    if (status !== 'queued') store.update(id, { status });
  }
  return store;
}

describe('InMemoryDeploymentStore', () => {
  it('creates queued deployments with increasing ids and nothing run yet', () => {
    const store = new InMemoryDeploymentStore();
    const before = Date.now();
    const first = store.create(newDeployment('d1', 'b'.repeat(40)));
    const second = store.create(newDeployment('d2'));
    expect(first).toEqual({
      id: 1,
      status: 'queued',
      trigger: 'push',
      deliveries: ['d1'],
      ref: 'refs/heads/main',
      requestedSha: 'b'.repeat(40),
      headBefore: null,
      headAfter: null,
      queuedAt: expect.any(String),
      startedAt: null,
      finishedAt: null,
      error: null,
      log: '',
    });
    expect(Date.parse(first.queuedAt)).toBeGreaterThanOrEqual(before);
    expect(new Date(first.queuedAt).toISOString()).toBe(first.queuedAt);
    expect(second.id).toBe(2);
  });

  it('updates a deployment and returns its new state, which get() then returns', () => {
    const store = storeWith(['queued']);
    const changes = { status: 'failed', error: 'boom', log: 'output', deliveries: ['d1', 'd9'] } as const;
    const updated = store.update(1, { ...changes, deliveries: [...changes.deliveries] });
    expect(updated).toMatchObject({ id: 1, ...changes });
    expect(store.get(1)).toEqual(updated);
    expect(store.findByDelivery('d9')?.id).toBe(1);
  });

  it('refuses to update an unknown deployment', () => {
    expect(() => new InMemoryDeploymentStore().update(7, { status: 'running' })).toThrow('no deployment 7');
  });

  it('returns undefined for an unknown id or delivery', () => {
    const store = storeWith(['queued']);
    expect(store.get(2)).toBeUndefined();
    expect(store.findByDelivery('nope')).toBeUndefined();
  });

  it('lists newest first', () => {
    expect(
      storeWith(['succeeded', 'running', 'queued'])
        .list()
        .map((d) => d.id),
    ).toEqual([3, 2, 1]);
  });

  it('finds the deployment that covered a delivery', () => {
    const store = storeWith(['succeeded', 'queued']);
    expect(store.findByDelivery('d1')?.id).toBe(1);
    expect(store.findByDelivery('d2')?.id).toBe(2);
  });

  it.each<[DeploymentStatus[], number | undefined]>([
    [['succeeded', 'failed', 'running'], undefined],
    [['succeeded', 'queued', 'queued'], 2],
    [['running', 'failed', 'queued'], 3],
  ])('finds the oldest queued deployment among %j: %s', (statuses, id) => {
    expect(storeWith(statuses).nextQueued()?.id).toBe(id);
  });

  it('hands out copies: changing them does not change the store', () => {
    const store = new InMemoryDeploymentStore();
    const init = newDeployment('d1');
    const created = store.create(init);
    init.deliveries.push('from-init');
    created.status = 'failed';
    created.deliveries.push('from-create');
    for (const read of [store.get(1)!, store.list()[0]!, store.findByDelivery('d1')!, store.nextQueued()!]) {
      read.log = 'changed';
      read.deliveries.push('from-read');
    }
    const updated = store.update(1, { status: 'running' });
    updated.deliveries.push('from-update');
    expect(store.get(1)).toMatchObject({ status: 'running', deliveries: ['d1'], log: '' });
    expect(store.findByDelivery('from-init')).toBeUndefined();
  });

  it('forgets the oldest finished deployments and their deliveries beyond its history size', () => {
    const store = storeWith(['succeeded', 'failed', 'succeeded', 'succeeded'], 2);
    expect(store.list().map((d) => d.id)).toEqual([4, 3]);
    expect(store.get(1)).toBeUndefined();
    expect(store.findByDelivery('d1')).toBeUndefined();
    expect(store.findByDelivery('d2')).toBeUndefined();
    expect(store.findByDelivery('d3')?.id).toBe(3);
  });

  it('never forgets a queued or running deployment, even beyond its history size', () => {
    const store = storeWith(['running', 'queued', 'succeeded', 'queued'], 2);
    store.create(newDeployment('d5'));
    expect(store.list().map((d) => d.id)).toEqual([5, 4, 2, 1]);
    expect(store.nextQueued()?.id).toBe(2);
    expect(store.findByDelivery('d1')?.status).toBe('running');
  });
});
