import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { DeploymentStatus } from '../domain/deployment.js';
import { DEFAULT_TARGET_ID } from '../domain/target.js';
import { delivery, push, SHA_A, SHA_B, SHA_C, summaryOf, TestStores } from '../../test/fixtures/stores.js';
import type { DeploymentsStore } from './deployments.store.js';

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const T = DEFAULT_TARGET_ID;
const OTHER = 'site';

describe('DeploymentsStore', () => {
  let s: TestStores;
  let store: DeploymentsStore;

  beforeEach(() => {
    s = new TestStores();
    store = s.stores.deployments;
  });
  afterEach(() => s.close());

  /** Deployments 1, 2, ... of `target` with the given statuses, each accepting delivery d<id>. */
  function deploymentsWith(statuses: DeploymentStatus[], target = T): number[] {
    const ids = statuses.map((status) => {
      const { id } = store.create(target, push());
      s.stores.deliveries.record(target, delivery(`d${id}`, 'queued', id));
      // A target's one waiting deployment is made so last: the next create would be refused.
      store.update(id, { status: status === 'queued' ? 'running' : status });
      return id;
    });
    ids.forEach((id, index) => statuses[index] === 'queued' && store.update(id, { status: 'queued' }));
    return ids;
  }

  it('creates queued deployments of a target with increasing ids, nothing run yet and an ISO queuedAt with milliseconds', () => {
    const before = Date.now();
    const first = store.create(T, push(SHA_B));
    store.update(first.id, { status: 'running' });
    const second = store.create(OTHER, { trigger: 'manual', ref: 'refs/heads/main', requestedSha: null });
    const after = Date.now();
    expect(first).toEqual({
      id: expect.any(Number),
      target: T,
      status: 'queued',
      trigger: 'push',
      deliveries: [],
      ref: 'refs/heads/main',
      requestedSha: SHA_B,
      headBefore: null,
      headAfter: null,
      queuedAt: expect.stringMatching(ISO_MS),
      startedAt: null,
      finishedAt: null,
      error: null,
      release: null,
      log: '',
    });
    expect(second).toMatchObject({ target: OTHER, status: 'queued', trigger: 'manual', requestedSha: null });
    expect(second.id).toBeGreaterThan(first.id);
    for (const { queuedAt } of [first, second]) {
      expect(Date.parse(queuedAt)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(queuedAt)).toBeLessThanOrEqual(after);
    }
  });

  it('refuses a second waiting deployment on the same target, while each target has its own', () => {
    const waiting = store.insert(T, push());
    expect(() => store.insert(T, push(SHA_B))).toThrow(/UNIQUE/);
    const other = store.insert(OTHER, push(SHA_B));
    expect(store.nextQueuedId(T)).toBe(waiting);
    expect(store.nextQueuedId(OTHER)).toBe(other);
    // Once the waiting one runs, the next push may wait again.
    store.set(waiting, { status: 'running' });
    expect(store.nextQueuedId(T)).toBeUndefined();
    expect(store.insert(T, push(SHA_C))).toBe(other + 1);
  });

  it('updates a deployment and returns its new state (without the log), which get() then returns', () => {
    const { id } = store.create(T, push());
    const changes = {
      status: 'failed',
      ref: 'refs/heads/other',
      requestedSha: SHA_B,
      headBefore: SHA_A,
      headAfter: SHA_C,
      startedAt: '2030-01-02T03:04:05.006Z',
      finishedAt: '2030-01-02T03:04:07.890Z',
      error: 'boom',
    } as const;
    const queuedAt = store.get(id)!.queuedAt;
    const updated = store.update(id, changes);
    expect(updated).toEqual({ id, target: T, trigger: 'push', deliveries: [], queuedAt, release: null, ...changes });
    expect(store.get(id)).toEqual({ ...updated, log: '' });
    expect(store.update(id, { error: null })).toEqual({ ...updated, error: null });
  });

  it.each<[string, Parameters<DeploymentsStore['update']>[1]]>([
    ['a change', { status: 'running' }],
    ['no change', {}],
  ])('refuses to update an unknown deployment with %s', (_name, changes) => {
    store.create(T, push());
    expect(() => store.update(99, changes)).toThrow('no deployment 99');
  });

  it('returns undefined for an unknown id', () => {
    store.create(T, push());
    expect(store.get(99)).toBeUndefined();
  });

  it('lists accepted deliveries in arrival order, and only accepted ones', () => {
    const first = store.create(T, push()).id;
    store.update(first, { status: 'running' });
    const second = store.create(T, push()).id;
    const record = (d: ReturnType<typeof delivery>): void => s.stores.deliveries.record(T, d);
    record(delivery('x2', 'queued', first));
    record(delivery('x1', 'queued', second));
    record(delivery('x3', 'queued', first));
    record(delivery('x2', 'duplicate', first));
    record(delivery('ign', 'ignored', null));
    record(delivery('rej', 'rejected', null));
    record(delivery('ping', 'pong', null));
    record(delivery('x0', 'queued', first));
    expect(store.get(first)?.deliveries).toEqual(['x2', 'x3', 'x0']);
    expect(store.get(second)?.deliveries).toEqual(['x1']);
    expect(store.list({ limit: 10 }).map((d) => [d.id, d.deliveries])).toEqual([
      [second, ['x1']],
      [first, ['x2', 'x3', 'x0']],
    ]);
  });

  it.each<[DeploymentStatus[], number | undefined]>([
    [[], undefined],
    [['succeeded', 'failed', 'running'], undefined],
    [['succeeded', 'queued', 'failed'], 2],
    [['running', 'failed', 'queued'], 3],
  ])("finds the target's waiting deployment among %j: %s", (statuses, id) => {
    deploymentsWith(statuses);
    deploymentsWith(['queued'], OTHER);
    expect(store.nextQueued(T)?.id).toBe(id);
    expect(store.nextQueuedId(T)).toBe(id);
  });

  it("returns the target's running deployments, oldest first, with their deliveries", () => {
    deploymentsWith(['running', 'succeeded', 'queued', 'running', 'failed']);
    deploymentsWith(['running'], OTHER);
    expect(store.running(T).map((d) => [d.id, d.status, d.deliveries])).toEqual([
      [1, 'running', ['d1']],
      [4, 'running', ['d4']],
    ]);
    expect(store.running(T)[0]).not.toHaveProperty('log');
    expect(store.running(OTHER).map((d) => d.id)).toEqual([6]);
  });

  it('returns no running deployments when none runs', () => {
    deploymentsWith(['queued', 'succeeded']);
    expect(store.running(T)).toEqual([]);
  });

  it.each<[DeploymentStatus[], number | undefined]>([
    [[], undefined],
    [['failed', 'running', 'queued'], undefined],
    [['succeeded', 'succeeded', 'failed', 'running'], 2],
    [['succeeded', 'failed'], 1],
  ])("finds the target's newest succeeded deployment among %j: %s", (statuses, id) => {
    deploymentsWith(statuses);
    deploymentsWith(['succeeded'], OTHER);
    expect(store.lastSucceeded(T)?.id).toBe(id);
    if (id !== undefined) expect(store.lastSucceeded(T)?.deliveries).toEqual([`d${id}`]);
  });

  describe('list', () => {
    beforeEach(() => {
      deploymentsWith(['succeeded', 'failed', 'succeeded', 'running', 'queued', 'succeeded']);
    });

    it.each<[string, Parameters<DeploymentsStore['list']>[0], number[]]>([
      ['everything', { limit: 50 }, [6, 5, 4, 3, 2, 1]],
      ['a limit', { limit: 2 }, [6, 5]],
      ['a status', { status: 'succeeded', limit: 50 }, [6, 3, 1]],
      ['a status and a limit', { status: 'succeeded', limit: 2 }, [6, 3]],
      ['before', { before: 4, limit: 50 }, [3, 2, 1]],
      ['before the oldest', { before: 1, limit: 50 }, []],
      ['before beyond the newest', { before: 100, limit: 50 }, [6, 5, 4, 3, 2, 1]],
      ['before and a limit', { before: 6, limit: 3 }, [5, 4, 3]],
      ['everything at once', { status: 'succeeded', before: 6, limit: 1 }, [3]],
      ['a status none has', { status: 'queued', before: 5, limit: 50 }, []],
      ['the target', { target: T, limit: 50 }, [6, 5, 4, 3, 2, 1]],
      ['a target with no deployment', { target: 'unknown', limit: 50 }, []],
    ])('lists newest first with %s', (_name, query, ids) => {
      expect(store.list(query).map((d) => d.id)).toEqual(ids);
      expect(store.listWithLogs(query).map((d) => d.id)).toEqual(ids);
    });

    it.each<[string, Parameters<DeploymentsStore['list']>[0], number[]]>([
      ['every target', { limit: 50 }, [9, 8, 7, 6, 5, 4, 3, 2, 1]],
      ['one target', { target: OTHER, limit: 50 }, [9, 8, 7]],
      ['one target and a status', { target: OTHER, status: 'failed', limit: 50 }, [8]],
      ['one target, before and a limit', { target: T, before: 7, limit: 2 }, [6, 5]],
      ['one target and a status, before', { target: T, status: 'succeeded', before: 6, limit: 50 }, [3, 1]],
    ])("lists the targets' deployments newest first with %s", (_name, query, ids) => {
      deploymentsWith(['succeeded', 'failed', 'succeeded'], OTHER);
      expect(store.list(query).map((d) => d.id)).toEqual(ids);
    });

    it('lists summaries with their target and deliveries and no log', () => {
      const [newest] = store.list({ limit: 1 });
      expect(newest).toStrictEqual(summaryOf(store.get(6)!));
      expect(newest).toMatchObject({ target: T, deliveries: ['d6'] });
    });

    it('lists with logs: the saved one, or empty', () => {
      s.stores.logs.save(5, 'five');
      s.stores.logs.save(3, 'three\nlines');
      expect(store.listWithLogs({ before: 6, limit: 3 }).map((d) => [d.id, d.log])).toEqual([
        [5, 'five'],
        [4, ''],
        [3, 'three\nlines'],
      ]);
      expect(store.listWithLogs({ limit: 1 })).toEqual([store.get(6)]);
    });
  });

  it('reads back identical history after the database is closed and reopened', () => {
    const { deliveries, logs, activity } = s.stores;
    deploymentsWith(['succeeded', 'failed', 'running', 'queued']);
    store.update(1, {
      headBefore: SHA_A,
      headAfter: SHA_B,
      startedAt: new Date(Date.now() - 1500).toISOString(),
      finishedAt: new Date().toISOString(),
    });
    store.update(2, { error: 'deploy command exited with code 2' });
    deliveries.record(T, delivery('d1b', 'queued', 1, SHA_B));
    deliveries.record(T, delivery('d1', 'duplicate', 1));
    deliveries.record(T, delivery('ignored-1', 'ignored', null));
    store.create(OTHER, { trigger: 'manual', ref: 'refs/heads/main', requestedSha: null });
    logs.save(1, 'line 1\nline 2\n');
    logs.save(2, 'x'.repeat(100_000));
    activity.set(3, { phase: 'command', processGroup: 31337, processStarted: '123456789' });
    const read = () => {
      const { deployments, deliveries, logs, activity } = s.stores;
      return {
        all: deployments.listWithLogs({ limit: 50 }),
        each: [1, 2, 3, 4, 5, 6].map((id) => deployments.get(id)),
        logs: [1, 2, 3, 6].map((id) => logs.get(id)),
        activity: [1, 3].map((id) => activity.get(id)),
        byDelivery: ['d1', 'd1b', 'd4', 'ignored-1'].map((id) => deliveries.acceptedBy(T, id)),
        next: [T, OTHER].map((target) => deployments.nextQueued(target)),
        running: deployments.running(T),
        succeeded: deployments.lastSucceeded(T),
        push: deliveries.newestAcceptedPush(T),
        journal: deliveries.list({ limit: 50 }),
      };
    };
    const before = read();
    expect(before.all).toHaveLength(5);
    s.reopen();
    expect(read()).toEqual(before);
    expect(s.stores.deployments.create(OTHER + '-2', push()).id).toBe(6);
  });
});
