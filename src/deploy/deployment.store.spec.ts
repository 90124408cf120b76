import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../storage/open-database.js';
import type { DeliveryOutcome, DeliveryRecord } from './delivery-record.js';
import type { Deployment, DeploymentStatus, DeploymentSummary } from './deployment.js';
import { DeploymentEvents } from './deployment-events.js';
import { DeploymentStore, type NewDeployment } from './deployment.store.js';

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);
const SHA_C = 'c'.repeat(40);

function push(sha: string | null = SHA_A): NewDeployment {
  return { trigger: 'push', ref: 'refs/heads/main', requestedSha: sha };
}

function delivery(
  id: string,
  outcome: DeliveryOutcome,
  deploymentId: number | null,
  sha: string | null = outcome === 'queued' ? SHA_A : null,
): DeliveryRecord {
  return {
    id,
    event: 'push',
    receivedAt: new Date().toISOString(),
    outcome,
    reason: outcome === 'ignored' || outcome === 'rejected' ? `why ${id}` : null,
    statusCode: outcome === 'queued' ? 202 : 200,
    sha,
    deploymentId,
  };
}

/** What status events and lists carry: the deployment without its log. */
function summaryOf(deployment: Deployment): DeploymentSummary {
  const copy: Partial<Deployment> = { ...deployment };
  delete copy.log;
  return copy as DeploymentSummary;
}

describe('DeploymentStore', () => {
  let dir: string;
  let db: Db;
  let events: DeploymentEvents;
  let store: DeploymentStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hookdeploy-store-'));
    db = openDatabase(dir);
    events = new DeploymentEvents();
    store = new DeploymentStore(db, events);
  });

  afterEach(() => {
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Deployments 1, 2, ... with the given statuses, each accepting delivery d<id>. */
  function deploymentsWith(statuses: DeploymentStatus[]): number[] {
    return statuses.map((status) => {
      const { id } = store.create(push());
      store.recordDelivery(delivery(`d${id}`, 'queued', id));
      if (status !== 'queued') store.update(id, { status });
      return id;
    });
  }

  /** Collects the status events of deployment `id`. */
  function statusesOf(id: number): DeploymentSummary[] {
    const seen: DeploymentSummary[] = [];
    events.subscribe(id, { status: (deployment) => seen.push(deployment), log: () => undefined });
    return seen;
  }

  it('creates queued deployments with increasing ids, nothing run yet and an ISO queuedAt with milliseconds', () => {
    const before = Date.now();
    const first = store.create(push(SHA_B));
    const second = store.create({ trigger: 'manual', ref: 'refs/heads/main', requestedSha: null });
    const after = Date.now();
    expect(first).toEqual({
      id: expect.any(Number),
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
      log: '',
    });
    expect(second).toMatchObject({ status: 'queued', trigger: 'manual', requestedSha: null });
    expect(second.id).toBeGreaterThan(first.id);
    for (const { queuedAt } of [first, second]) {
      expect(Date.parse(queuedAt)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(queuedAt)).toBeLessThanOrEqual(after);
    }
  });

  it('updates a deployment and returns its new state (without the log), which get() then returns', () => {
    const { id } = store.create(push());
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
    expect(updated).toEqual({ id, trigger: 'push', deliveries: [], queuedAt, ...changes });
    expect(store.get(id)).toEqual({ ...updated, log: '' });
    expect(store.update(id, { error: null })).toEqual({ ...updated, error: null });
  });

  it.each<[string, Parameters<DeploymentStore['update']>[1]]>([
    ['a change', { status: 'running' }],
    ['no change', {}],
  ])('refuses to update an unknown deployment with %s', (_name, changes) => {
    store.create(push());
    expect(() => store.update(99, changes)).toThrow('no deployment 99');
  });

  it('returns undefined for an unknown id or delivery', () => {
    store.create(push());
    expect(store.get(99)).toBeUndefined();
    expect(store.findByDelivery('nope')).toBeUndefined();
  });

  it('lists accepted deliveries in arrival order, and only accepted ones', () => {
    const [first, second] = [store.create(push()).id, store.create(push()).id];
    store.recordDelivery(delivery('x2', 'queued', first));
    store.recordDelivery(delivery('x1', 'queued', second));
    store.recordDelivery(delivery('x3', 'queued', first));
    store.recordDelivery(delivery('x2', 'duplicate', first));
    store.recordDelivery(delivery('ign', 'ignored', null));
    store.recordDelivery(delivery('rej', 'rejected', null));
    store.recordDelivery(delivery('ping', 'pong', null));
    store.recordDelivery(delivery('x0', 'queued', first));
    expect(store.get(first)?.deliveries).toEqual(['x2', 'x3', 'x0']);
    expect(store.get(second)?.deliveries).toEqual(['x1']);
    expect(store.list({ limit: 10 }).map((d) => [d.id, d.deliveries])).toEqual([
      [second, ['x1']],
      [first, ['x2', 'x3', 'x0']],
    ]);
  });

  it('refuses a second accepted record of the same delivery id, but records duplicates of it', () => {
    const { id } = store.create(push());
    const other = store.create(push()).id;
    store.recordDelivery(delivery('once', 'queued', id));
    expect(() => store.recordDelivery(delivery('once', 'queued', other))).toThrow(/UNIQUE/);
    expect(() => store.recordDelivery(delivery('once', 'duplicate', id))).not.toThrow();
    expect(store.get(id)?.deliveries).toEqual(['once']);
    expect(store.get(other)?.deliveries).toEqual([]);
  });

  it('finds the deployment that accepted a delivery, not one that merely saw it', () => {
    const [first, second] = deploymentsWith(['succeeded', 'queued']);
    store.recordDelivery(delivery('late', 'duplicate', second!));
    store.recordDelivery(delivery('skip', 'ignored', null));
    expect(store.findByDelivery('d1')).toEqual({ ...store.list({ limit: 10 })[1], id: first });
    expect(store.findByDelivery('d2')?.id).toBe(second);
    expect(store.findByDelivery('late')).toBeUndefined();
    expect(store.findByDelivery('skip')).toBeUndefined();
    expect(store.findByDelivery('d2')).not.toHaveProperty('log');
  });

  it.each<[DeploymentStatus[], number | undefined]>([
    [[], undefined],
    [['succeeded', 'failed', 'running'], undefined],
    [['succeeded', 'queued', 'queued'], 2],
    [['running', 'failed', 'queued'], 3],
  ])('finds the oldest queued deployment among %j: %s', (statuses, id) => {
    deploymentsWith(statuses);
    expect(store.nextQueued()?.id).toBe(id);
  });

  it('returns the running deployments, oldest first, with their deliveries', () => {
    deploymentsWith(['running', 'succeeded', 'queued', 'running', 'failed']);
    expect(store.running().map((d) => [d.id, d.status, d.deliveries])).toEqual([
      [1, 'running', ['d1']],
      [4, 'running', ['d4']],
    ]);
    expect(store.running()[0]).not.toHaveProperty('log');
  });

  it('returns no running deployments when none runs', () => {
    deploymentsWith(['queued', 'succeeded']);
    expect(store.running()).toEqual([]);
  });

  it.each<[DeploymentStatus[], number | undefined]>([
    [[], undefined],
    [['failed', 'running', 'queued'], undefined],
    [['succeeded', 'succeeded', 'failed', 'running'], 2],
    [['succeeded', 'failed'], 1],
  ])('finds the newest succeeded deployment among %j: %s', (statuses, id) => {
    deploymentsWith(statuses);
    expect(store.lastSucceeded()?.id).toBe(id);
    if (id !== undefined) expect(store.lastSucceeded()?.deliveries).toEqual([`d${id}`]);
  });

  it('finds the newest accepted push with a sha, skipping other outcomes and sha-less records', () => {
    expect(store.newestAcceptedPush()).toBeUndefined();
    const [first, second] = [store.create(push()).id, store.create(push()).id];
    store.recordDelivery(delivery('p1', 'queued', second, SHA_B));
    store.recordDelivery(delivery('p2', 'queued', first, SHA_C));
    expect(store.newestAcceptedPush()).toEqual({ sha: SHA_C, deploymentId: first });
    store.recordDelivery(delivery('p3', 'queued', second, null));
    store.recordDelivery(delivery('p1', 'duplicate', second, SHA_A));
    store.recordDelivery(delivery('p4', 'ignored', null, SHA_A));
    expect(store.newestAcceptedPush()).toEqual({ sha: SHA_C, deploymentId: first });
    store.recordDelivery(delivery('p5', 'queued', second, SHA_A));
    expect(store.newestAcceptedPush()).toEqual({ sha: SHA_A, deploymentId: second });
  });

  describe('list', () => {
    beforeEach(() => {
      deploymentsWith(['succeeded', 'failed', 'succeeded', 'running', 'queued', 'succeeded']);
    });

    it.each<[string, Parameters<DeploymentStore['list']>[0], number[]]>([
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
    ])('lists newest first with %s', (_name, query, ids) => {
      expect(store.list(query).map((d) => d.id)).toEqual(ids);
      expect(store.listWithLogs(query).map((d) => d.id)).toEqual(ids);
    });

    it('lists summaries with their deliveries and no log', () => {
      const [newest] = store.list({ limit: 1 });
      expect(newest).toStrictEqual(summaryOf(store.get(6)!));
      expect(newest?.deliveries).toEqual(['d6']);
    });

    it('lists with logs: the saved one, or empty', () => {
      store.saveLog(5, 'five');
      store.saveLog(3, 'three\nlines');
      expect(store.listWithLogs({ before: 6, limit: 3 }).map((d) => [d.id, d.log])).toEqual([
        [5, 'five'],
        [4, ''],
        [3, 'three\nlines'],
      ]);
      expect(store.listWithLogs({ limit: 1 })).toEqual([store.get(6)]);
    });
  });

  it('saves a log, replaces it, and tells an empty log from an unknown deployment', () => {
    const { id } = store.create(push());
    expect(store.getLog(id)).toBe('');
    store.saveLog(id, 'first');
    expect(store.getLog(id)).toBe('first');
    store.saveLog(id, 'second\n✓ ünïcode');
    expect(store.getLog(id)).toBe('second\n✓ ünïcode');
    expect(store.get(id)?.log).toBe('second\n✓ ünïcode');
    store.saveLog(id, '');
    expect(store.getLog(id)).toBe('');
    expect(store.getLog(id + 1)).toBeUndefined();
  });

  it('records, replaces and clears what a deployment is doing', () => {
    const [first, second] = deploymentsWith(['running', 'running']);
    expect(store.activity(first!)).toBeUndefined();
    store.setActivity(first!, { phase: 'git', processGroup: 4321, processStarted: '987654' });
    store.setActivity(second!, { phase: 'command', processGroup: null, processStarted: null });
    expect(store.activity(first!)).toEqual({ phase: 'git', processGroup: 4321, processStarted: '987654' });
    expect(store.activity(second!)).toEqual({ phase: 'command', processGroup: null, processStarted: null });
    store.setActivity(first!, { phase: 'command', processGroup: 55, processStarted: '66' });
    expect(store.activity(first!)).toEqual({ phase: 'command', processGroup: 55, processStarted: '66' });
    store.setActivity(first!, null);
    expect(store.activity(first!)).toBeUndefined();
    expect(store.activity(99)).toBeUndefined();
  });

  describe('status events', () => {
    it('emits at once for a change made outside atomically', () => {
      const seen = statusesOf(1);
      const created = store.create(push());
      expect(created.id).toBe(1);
      expect(seen).toEqual([summaryOf(created)]);
      store.update(1, { status: 'running' });
      expect(seen.map((d) => d.status)).toEqual(['queued', 'running']);
      store.recordDelivery(delivery('x', 'queued', 1));
      expect(seen).toHaveLength(3);
      expect(seen[2]?.deliveries).toEqual(['x']);
    });

    it('does not emit for a log, an activity or a delivery that was not accepted', () => {
      const { id } = store.create(push());
      const seen = statusesOf(id);
      store.saveLog(id, 'output');
      store.setActivity(id, { phase: 'git', processGroup: 1, processStarted: '1' });
      store.recordDelivery(delivery('dup', 'duplicate', id));
      expect(seen).toEqual([]);
    });

    it('emits only once atomically committed, one event per changed deployment with its final state', () => {
      const [existing, untouched] = deploymentsWith(['queued', 'queued']);
      const seenExisting = statusesOf(existing!);
      const seenUntouched = statusesOf(untouched!);
      const seenNew = statusesOf(untouched! + 1);
      const result = store.atomically(() => {
        store.update(existing!, { status: 'running' });
        const created = store.create(push());
        store.recordDelivery(delivery('n1', 'queued', created.id));
        store.update(existing!, { startedAt: '2030-01-01T00:00:00.000Z' });
        store.atomically(() => store.recordDelivery(delivery('n2', 'queued', created.id)));
        expect([seenExisting, seenUntouched, seenNew]).toEqual([[], [], []]);
        return created.id;
      });
      expect(result).toBe(untouched! + 1);
      expect(seenExisting).toEqual([store.findByDelivery(`d${existing}`)]);
      expect(seenExisting[0]).toMatchObject({ status: 'running', startedAt: '2030-01-01T00:00:00.000Z' });
      expect(seenNew).toEqual([store.findByDelivery('n1')]);
      expect(seenNew[0]?.deliveries).toEqual(['n1', 'n2']);
      expect(seenUntouched).toEqual([]);
    });

    it('rolls everything back when the work throws, and passes the error on', () => {
      const [existing] = deploymentsWith(['queued']);
      const before = store.listWithLogs({ limit: 50 });
      const seenExisting = statusesOf(existing!);
      const seenNew = statusesOf(existing! + 1);
      const failure = new Error('half-way');
      expect(() =>
        store.atomically(() => {
          store.update(existing!, { status: 'running', error: 'x' });
          const created = store.create(push());
          store.recordDelivery(delivery('gone', 'queued', created.id));
          store.recordDelivery(delivery('gone-too', 'ignored', null));
          store.saveLog(existing!, 'lost');
          store.setActivity(existing!, { phase: 'git', processGroup: 7, processStarted: '7' });
          throw failure;
        }),
      ).toThrow(failure);
      expect(store.listWithLogs({ limit: 50 })).toEqual(before);
      expect(store.activity(existing!)).toBeUndefined();
      expect(store.findByDelivery('gone')).toBeUndefined();
      expect(store.get(existing! + 1)).toBeUndefined();
      expect(seenNew).toEqual([]);
      // The rolled-back change is never announced: at most the unchanged state is.
      for (const seen of seenExisting) expect(seen).toEqual(store.findByDelivery(`d${existing}`));
      // The store is usable afterwards, outside any transaction.
      const seenNext = statusesOf(existing! + 1);
      store.create(push());
      expect(seenNext).toHaveLength(1);
    });
  });

  describe('prune', () => {
    it('keeps the newest `limit` deployments with their deliveries and logs', () => {
      deploymentsWith(['succeeded', 'failed', 'succeeded', 'succeeded', 'failed']);
      for (const id of [1, 2, 3, 4, 5]) store.saveLog(id, `log ${id}`);
      store.recordDelivery(delivery('d2', 'duplicate', 2));
      store.recordDelivery(delivery('d4', 'duplicate', 4));
      expect(store.prune(2)).toBe(3);
      expect(store.list({ limit: 50 }).map((d) => d.id)).toEqual([5, 4]);
      for (const id of [1, 2, 3]) {
        expect(store.get(id)).toBeUndefined();
        expect(store.getLog(id)).toBeUndefined();
        expect(store.findByDelivery(`d${id}`)).toBeUndefined();
      }
      expect(store.getLog(4)).toBe('log 4');
      expect(store.findByDelivery('d4')?.id).toBe(4);
      const linked = db.prepare('SELECT delivery_id FROM deliveries WHERE deployment_id IS NOT NULL ORDER BY seq');
      expect(linked.pluck().all()).toEqual(['d4', 'd5', 'd4']);
      expect(db.prepare('SELECT count(*) FROM deployment_logs').pluck().get()).toBe(2);
    });

    it.each([
      [[], 3],
      [['succeeded'], 3],
      [['succeeded', 'failed', 'succeeded'], 3],
    ] as [DeploymentStatus[], number][])('prunes nothing from %j with limit %i', (statuses, limit) => {
      deploymentsWith(statuses);
      expect(store.prune(limit)).toBe(0);
      expect(store.list({ limit: 50 })).toHaveLength(statuses.length);
    });

    it('never prunes a queued or running deployment, however old', () => {
      deploymentsWith(['running', 'queued', 'succeeded', 'failed', 'queued', 'succeeded']);
      expect(store.prune(1)).toBe(2);
      expect(store.list({ limit: 50 }).map((d) => [d.id, d.status])).toEqual([
        [6, 'succeeded'],
        [5, 'queued'],
        [2, 'queued'],
        [1, 'running'],
      ]);
      expect(store.findByDelivery('d1')?.status).toBe('running');
      expect(store.nextQueued()?.id).toBe(2);
    });

    it('keeps the newest `limit` deliveries that joined no deployment', () => {
      deploymentsWith(['succeeded']);
      for (const [id, outcome] of [
        ['u1', 'ignored'],
        ['u2', 'rejected'],
        ['u3', 'pong'],
        ['u4', 'ignored'],
        ['u5', 'rejected'],
      ] as const) {
        store.recordDelivery(delivery(id, outcome, null));
      }
      expect(store.prune(2)).toBe(0);
      const remaining = db.prepare('SELECT delivery_id FROM deliveries ORDER BY seq').pluck().all();
      expect(remaining).toEqual(['d1', 'u4', 'u5']);
    });
  });

  it('reads back identical history after the database is closed and reopened', () => {
    deploymentsWith(['succeeded', 'failed', 'running', 'queued']);
    store.update(1, {
      headBefore: SHA_A,
      headAfter: SHA_B,
      startedAt: new Date(Date.now() - 1500).toISOString(),
      finishedAt: new Date().toISOString(),
    });
    store.update(2, { error: 'deploy command exited with code 2' });
    store.recordDelivery(delivery('d1b', 'queued', 1, SHA_B));
    store.recordDelivery(delivery('d1', 'duplicate', 1));
    store.recordDelivery(delivery('ignored-1', 'ignored', null));
    store.create({ trigger: 'manual', ref: 'refs/heads/main', requestedSha: null });
    store.saveLog(1, 'line 1\nline 2\n');
    store.saveLog(2, 'x'.repeat(100_000));
    store.setActivity(3, { phase: 'command', processGroup: 31337, processStarted: '123456789' });
    const read = (s: DeploymentStore) => ({
      all: s.listWithLogs({ limit: 50 }),
      each: [1, 2, 3, 4, 5, 6].map((id) => s.get(id)),
      logs: [1, 2, 3, 6].map((id) => s.getLog(id)),
      activity: [1, 3].map((id) => s.activity(id)),
      byDelivery: ['d1', 'd1b', 'd4', 'ignored-1'].map((id) => s.findByDelivery(id)),
      next: s.nextQueued(),
      running: s.running(),
      succeeded: s.lastSucceeded(),
      push: s.newestAcceptedPush(),
    });
    const before = read(store);
    expect(before.all).toHaveLength(5);
    db.close();

    db = openDatabase(dir);
    store = new DeploymentStore(db, events);
    expect(read(store)).toEqual(before);
    expect(store.create(push()).id).toBe(6);
  });
});
