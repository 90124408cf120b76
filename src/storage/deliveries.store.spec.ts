import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { DeploymentStatus } from '../domain/deployment.js';
import { DEFAULT_TARGET_ID } from '../domain/target.js';
import { delivery, push, SHA_A, SHA_B, SHA_C, TestStores } from '../../test/fixtures/stores.js';
import type { DeliveriesStore } from './deliveries.store.js';

const T = DEFAULT_TARGET_ID;
const OTHER = 'site';

describe('DeliveriesStore', () => {
  let s: TestStores;
  let store: DeliveriesStore;

  beforeEach(() => {
    s = new TestStores();
    store = s.stores.deliveries;
  });
  afterEach(() => s.close());

  /** A deployment of `target` with the given status, accepting delivery d<id>. */
  function deployment(status: DeploymentStatus, target = T): number {
    const { id } = s.stores.deployments.create(target, push());
    store.record(target, delivery(`d${id}`, 'queued', id));
    if (status !== 'queued') s.stores.deployments.update(id, { status });
    return id;
  }

  it('refuses a second accepted record of the same delivery id on a target, but records duplicates of it', () => {
    const id = deployment('running');
    const other = s.stores.deployments.create(T, push()).id;
    store.record(T, delivery('once', 'queued', id));
    expect(() => store.record(T, delivery('once', 'queued', other))).toThrow(/UNIQUE/);
    expect(() => store.record(T, delivery('once', 'duplicate', id))).not.toThrow();
    expect(s.stores.deployments.get(id)?.deliveries).toEqual(['d1', 'once']);
    expect(s.stores.deployments.get(other)?.deliveries).toEqual([]);
  });

  it('accepts the same delivery id once on each target: deduplication is per target', () => {
    const mine = deployment('running');
    const theirs = deployment('running', OTHER);
    store.record(T, delivery('shared', 'queued', mine));
    expect(() => store.record(OTHER, delivery('shared', 'queued', theirs))).not.toThrow();
    expect(store.acceptedBy(T, 'shared')).toBe(mine);
    expect(store.acceptedBy(OTHER, 'shared')).toBe(theirs);
    expect(store.acceptedBy('third', 'shared')).toBeUndefined();
  });

  it('keeps one duplicate row per delivery id and target', () => {
    const mine = deployment('running');
    const theirs = deployment('running', OTHER);
    for (let i = 0; i < 3; i += 1) {
      store.record(T, delivery('d1', 'duplicate', mine));
      store.record(OTHER, delivery('d1', 'duplicate', theirs));
    }
    const rows = store.list({ outcome: 'duplicate', limit: 50 }).map((row) => [row.target, row.id, row.deploymentId]);
    expect(rows).toEqual([
      [OTHER, 'd1', theirs],
      [T, 'd1', mine],
    ]);
  });

  it('finds the deployment that accepted a delivery, not one that merely saw it', () => {
    const first = deployment('succeeded');
    const second = deployment('queued');
    store.record(T, delivery('late', 'duplicate', second));
    store.record(T, delivery('skip', 'ignored', null));
    expect(store.acceptedBy(T, 'd1')).toBe(first);
    expect(store.acceptedBy(T, 'd2')).toBe(second);
    expect(store.acceptedBy(T, 'late')).toBeUndefined();
    expect(store.acceptedBy(T, 'skip')).toBeUndefined();
    expect(store.acceptedBy(T, 'nope')).toBeUndefined();
  });

  it("finds the target's newest accepted push with a sha, skipping other outcomes, sha-less records and other targets", () => {
    expect(store.newestAcceptedPush(T)).toBeUndefined();
    const first = s.stores.deployments.create(T, push()).id;
    s.stores.deployments.update(first, { status: 'running' });
    const second = s.stores.deployments.create(T, push()).id;
    const elsewhere = s.stores.deployments.create(OTHER, push()).id;
    store.record(T, delivery('p1', 'queued', second, SHA_B));
    store.record(T, delivery('p2', 'queued', first, SHA_C));
    expect(store.newestAcceptedPush(T)).toEqual({ sha: SHA_C, deploymentId: first });
    store.record(T, delivery('p3', 'queued', second, null));
    store.record(T, delivery('p1', 'duplicate', second, SHA_A));
    store.record(T, delivery('p4', 'ignored', null, SHA_A));
    store.record(OTHER, delivery('p9', 'queued', elsewhere, SHA_A));
    expect(store.newestAcceptedPush(T)).toEqual({ sha: SHA_C, deploymentId: first });
    expect(store.newestAcceptedPush(OTHER)).toEqual({ sha: SHA_A, deploymentId: elsewhere });
    store.record(T, delivery('p5', 'queued', second, SHA_A));
    expect(store.newestAcceptedPush(T)).toEqual({ sha: SHA_A, deploymentId: second });
  });

  it("returns the distinct commits a deployment's accepted deliveries pushed", () => {
    const id = deployment('queued');
    store.record(T, delivery('b', 'queued', id, SHA_B));
    store.record(T, delivery('b2', 'queued', id, SHA_B));
    store.record(T, delivery('b', 'duplicate', id, SHA_C));
    store.record(T, delivery('none', 'queued', id, null));
    expect(store.requestedCommits(id).sort()).toEqual([SHA_A, SHA_B]);
  });

  describe('list', () => {
    beforeEach(() => {
      // seq 1..6: two targets' journals interleaved.
      const mine = deployment('running');
      const theirs = deployment('running', OTHER);
      store.record(T, delivery('ping', 'pong', null));
      store.record(OTHER, delivery('ign', 'ignored', null));
      store.record(T, delivery('d1', 'duplicate', mine));
      store.record(OTHER, delivery('d2', 'duplicate', theirs));
    });

    it.each<[string, Parameters<DeliveriesStore['list']>[0], [string, string][]]>([
      [
        'every target',
        { limit: 50 },
        [
          [OTHER, 'd2'],
          [T, 'd1'],
          [OTHER, 'ign'],
          [T, 'ping'],
          [OTHER, 'd2'],
          [T, 'd1'],
        ],
      ],
      [
        'one target',
        { target: OTHER, limit: 50 },
        [
          [OTHER, 'd2'],
          [OTHER, 'ign'],
          [OTHER, 'd2'],
        ],
      ],
      ['one target and an outcome', { target: T, outcome: 'queued', limit: 50 }, [[T, 'd1']]],
      ['one target, before and a limit', { target: T, before: 5, limit: 1 }, [[T, 'ping']]],
      ['a target with no delivery', { target: 'unknown', limit: 50 }, []],
    ])('lists the journal newest first with %s', (_name, query, rows) => {
      expect(store.list(query).map((row) => [row.target, row.id])).toEqual(rows);
    });

    it('lists each record with its target and seq', () => {
      expect(store.list({ target: T, limit: 1 })).toEqual([
        {
          seq: 5,
          target: T,
          id: 'd1',
          event: 'push',
          receivedAt: expect.any(String),
          outcome: 'duplicate',
          reason: null,
          statusCode: 200,
          sha: null,
          deploymentId: 1,
        },
      ]);
    });
  });
});
