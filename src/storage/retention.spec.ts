import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { DeliveryOutcome } from '../domain/delivery-record.js';
import type { DeploymentStatus } from '../domain/deployment.js';
import { DEFAULT_TARGET_ID } from '../domain/target.js';
import { delivery, push, TestStores } from '../../test/fixtures/stores.js';

const T = DEFAULT_TARGET_ID;
const OTHER = 'site';

describe('Retention: HISTORY_LIMIT per target', () => {
  let s: TestStores;

  beforeEach(() => {
    s = new TestStores();
  });
  afterEach(() => s.close());

  /** Deployments of `target` with the given statuses, each accepting delivery d<id>. */
  function deploymentsWith(statuses: DeploymentStatus[], target = T): number[] {
    const { deployments } = s.stores;
    const ids = statuses.map((status) => {
      const { id } = deployments.create(target, push());
      s.stores.deliveries.record(target, delivery(`d${id}`, 'queued', id));
      // A target's one waiting deployment is made so last: the next create would be refused.
      deployments.update(id, { status: status === 'queued' ? 'running' : status });
      return id;
    });
    ids.forEach((id, index) => statuses[index] === 'queued' && deployments.update(id, { status: 'queued' }));
    return ids;
  }

  function unattached(target: string, rows: [string, DeliveryOutcome][]): void {
    for (const [id, outcome] of rows) s.stores.deliveries.record(target, delivery(id, outcome, null));
  }

  const ids = (target?: string): number[] =>
    s.stores.deployments.list({ ...(target ? { target } : {}), limit: 50 }).map((d) => d.id);
  const journal = (): string[] =>
    s.db.prepare('SELECT delivery_id FROM deliveries ORDER BY seq').pluck().all() as string[];

  it('keeps the newest `limit` deployments of the target with their deliveries and logs', async () => {
    const { retention, deployments, deliveries, logs } = s.stores;
    deploymentsWith(['succeeded', 'failed', 'succeeded', 'succeeded', 'failed']);
    for (const id of [1, 2, 3, 4, 5]) logs.save(id, `log ${id}`);
    deliveries.record(T, delivery('d2', 'duplicate', 2));
    deliveries.record(T, delivery('d4', 'duplicate', 4));
    expect(await retention.prune(T, 2)).toBe(3);
    expect(ids()).toEqual([5, 4]);
    for (const id of [1, 2, 3]) {
      expect(deployments.get(id)).toBeUndefined();
      expect(logs.get(id)).toBeUndefined();
      expect(deliveries.acceptedBy(T, `d${id}`)).toBeUndefined();
    }
    expect(logs.get(4)).toBe('log 4');
    expect(deliveries.acceptedBy(T, 'd4')).toBe(4);
    const linked = s.db.prepare('SELECT delivery_id FROM deliveries WHERE deployment_id IS NOT NULL ORDER BY seq');
    expect(linked.pluck().all()).toEqual(['d4', 'd5', 'd4']);
    expect(s.db.prepare('SELECT count(*) FROM deployment_logs').pluck().get()).toBe(2);
  });

  it.each([
    [[], 3],
    [['succeeded'], 3],
    [['succeeded', 'failed', 'succeeded'], 3],
  ] as [DeploymentStatus[], number][])('prunes nothing from %j with limit %i', async (statuses, limit) => {
    deploymentsWith(statuses);
    expect(await s.stores.retention.prune(T, limit)).toBe(0);
    expect(await s.stores.retention.pruneAll(limit)).toBe(0);
    expect(ids()).toHaveLength(statuses.length);
  });

  it('never prunes a queued or running deployment, however old', async () => {
    deploymentsWith(['running', 'queued', 'succeeded', 'failed', 'running', 'succeeded']);
    expect(await s.stores.retention.prune(T, 1)).toBe(2);
    expect(s.stores.deployments.list({ limit: 50 }).map((d) => [d.id, d.status])).toEqual([
      [6, 'succeeded'],
      [5, 'running'],
      [2, 'queued'],
      [1, 'running'],
    ]);
    expect(s.stores.deliveries.acceptedBy(T, 'd1')).toBe(1);
    expect(s.stores.deployments.nextQueued(T)?.id).toBe(2);
  });

  it("keeps the target's newest `limit` deliveries that joined no deployment", async () => {
    deploymentsWith(['succeeded']);
    unattached(T, [
      ['u1', 'ignored'],
      ['u2', 'rejected'],
      ['u3', 'pong'],
      ['u4', 'ignored'],
      ['u5', 'rejected'],
    ]);
    expect(await s.stores.retention.prune(T, 2)).toBe(0);
    expect(journal()).toEqual(['d1', 'u4', 'u5']);
  });

  it('counts per target: a busy target does not push a quiet one out, and pruning one leaves the other alone', async () => {
    deploymentsWith(['succeeded', 'succeeded'], OTHER); // 1, 2: the quiet target's, the oldest
    deploymentsWith(['succeeded', 'failed', 'succeeded', 'succeeded']); // 3..6
    unattached(OTHER, [
      ['o1', 'ignored'],
      ['o2', 'pong'],
    ]);
    unattached(T, [
      ['t1', 'ignored'],
      ['t2', 'pong'],
      ['t3', 'rejected'],
    ]);
    expect(await s.stores.retention.prune(T, 2)).toBe(2);
    expect(ids(T)).toEqual([6, 5]);
    expect(ids(OTHER)).toEqual([2, 1]);
    expect(journal()).toEqual(['d1', 'd2', 'd5', 'd6', 'o1', 'o2', 't2', 't3']);
  });

  it('pruneAll keeps `limit` for every target the database holds, one with only unattached deliveries included', async () => {
    deploymentsWith(['succeeded', 'failed', 'succeeded'], OTHER); // 1..3
    deploymentsWith(['failed', 'succeeded', 'succeeded']); // 4..6
    unattached('gone', [
      ['g1', 'ignored'],
      ['g2', 'ignored'],
      ['g3', 'ignored'],
    ]);
    expect(await s.stores.retention.pruneAll(2)).toBe(2);
    expect(ids()).toEqual([6, 5, 3, 2]);
    expect(journal()).toEqual(['d2', 'd3', 'd5', 'd6', 'g2', 'g3']);
  });
});
