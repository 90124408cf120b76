import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { DEFAULT_TARGET_ID } from '../domain/target.js';
import { delivery, push, summaryOf, TestStores } from '../../test/fixtures/stores.js';

const T = DEFAULT_TARGET_ID;

describe('status events: the stores announce a changed deployment once its transaction ended', () => {
  let s: TestStores;

  beforeEach(() => {
    s = new TestStores();
  });
  afterEach(() => s.close());

  it('emits at once for a change made outside a transaction', () => {
    const { deployments, deliveries } = s.stores;
    const seen = s.statusesOf(1);
    const created = deployments.create(T, push());
    expect(created.id).toBe(1);
    expect(seen).toEqual([summaryOf(created)]);
    deployments.update(1, { status: 'running' });
    expect(seen.map((d) => d.status)).toEqual(['queued', 'running']);
    deliveries.record(T, delivery('x', 'queued', 1));
    expect(seen).toHaveLength(3);
    expect(seen[2]?.deliveries).toEqual(['x']);
  });

  it('does not emit for a log, an activity or a delivery that was not accepted', () => {
    const { deployments, deliveries, logs, activity } = s.stores;
    const { id } = deployments.create(T, push());
    const seen = s.statusesOf(id);
    logs.save(id, 'output');
    activity.set(id, { phase: 'git', processGroup: 1, processStarted: '1' });
    deliveries.record(T, delivery('dup', 'duplicate', id));
    expect(seen).toEqual([]);
  });

  it('emits only once committed, one event per changed deployment with its final state', () => {
    const { deployments, deliveries, transactions } = s.stores;
    const existing = deployments.create(T, push()).id;
    const untouched = deployments.create('site', push()).id;
    const seenExisting = s.statusesOf(existing);
    const seenUntouched = s.statusesOf(untouched);
    const seenNew = s.statusesOf(untouched + 1);
    const result = transactions.atomically(() => {
      deployments.update(existing, { status: 'running' });
      const created = deployments.create(T, push());
      deliveries.record(T, delivery('n1', 'queued', created.id));
      deployments.update(existing, { startedAt: '2030-01-01T00:00:00.000Z' });
      transactions.atomically(() => deliveries.record(T, delivery('n2', 'queued', created.id)));
      expect([seenExisting, seenUntouched, seenNew]).toEqual([[], [], []]);
      return created.id;
    });
    expect(result).toBe(untouched + 1);
    expect(seenExisting).toEqual([summaryOf(deployments.get(existing)!)]);
    expect(seenExisting[0]).toMatchObject({ status: 'running', startedAt: '2030-01-01T00:00:00.000Z' });
    expect(seenNew).toEqual([summaryOf(deployments.get(result)!)]);
    expect(seenNew[0]?.deliveries).toEqual(['n1', 'n2']);
    expect(seenUntouched).toEqual([]);
  });

  it('rolls everything back when the work throws, and passes the error on', () => {
    const { deployments, deliveries, logs, activity, transactions } = s.stores;
    const existing = deployments.create(T, push()).id;
    const before = deployments.listWithLogs({ limit: 50 });
    const seenExisting = s.statusesOf(existing);
    const seenNew = s.statusesOf(existing + 1);
    const failure = new Error('half-way');
    expect(() =>
      transactions.atomically(() => {
        deployments.update(existing, { status: 'running', error: 'x' });
        const created = deployments.create(T, push());
        deliveries.record(T, delivery('gone', 'queued', created.id));
        deliveries.record(T, delivery('gone-too', 'ignored', null));
        logs.save(existing, 'lost');
        activity.set(existing, { phase: 'git', processGroup: 7, processStarted: '7' });
        throw failure;
      }),
    ).toThrow(failure);
    expect(deployments.listWithLogs({ limit: 50 })).toEqual(before);
    expect(activity.get(existing)).toBeUndefined();
    expect(deliveries.acceptedBy(T, 'gone')).toBeUndefined();
    expect(deliveries.list({ limit: 50 })).toEqual([]);
    expect(deployments.get(existing + 1)).toBeUndefined();
    expect(seenNew).toEqual([]);
    // The rolled-back change is never announced: at most the unchanged state is.
    for (const seen of seenExisting) expect(seen).toEqual(before.map(summaryOf)[0]);
    // The stores are usable afterwards, outside any transaction.
    const seenNext = s.statusesOf(existing + 1);
    deployments.create('site', push());
    expect(seenNext).toHaveLength(1);
  });
});
