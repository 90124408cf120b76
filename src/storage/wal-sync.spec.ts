import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeploymentEvents } from '../events/deployment-events.js';
import { DEFAULT_TARGET_ID } from '../domain/target.js';
import { GroupCommit } from './group-commit.js';
import { openDatabase, type Db } from './open-database.js';
import { createStores, type Stores } from './stores.js';
import { WalSync } from './wal-sync.js';

interface FakeFsync {
  /** The deliveries committed when this fsync started: the ones it makes durable. */
  covered: string[];
  finish: () => void;
  fail: (error: Error) => void;
}

/**
 * A disk whose fsyncs end only when the spec says so. Each fsync records what had been
 * committed when it started, which is exactly what a real fsync of the WAL would cover.
 */
class FakeDiskWalSync extends WalSync {
  readonly fsyncs: FakeFsync[] = [];
  completed = 0;
  inFlight = 0;
  maxInFlight = 0;

  constructor(private readonly database: Db) {
    super(database);
  }

  protected override fsyncWal(): Promise<void> {
    const covered = this.database
      .prepare('SELECT delivery_id FROM deliveries ORDER BY delivery_id')
      .pluck()
      .all() as string[];
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise<void>((resolve, reject) => {
      const end = (): void => {
        this.inFlight -= 1;
        this.completed += 1;
      };
      this.fsyncs.push({
        covered,
        finish: () => {
          end();
          resolve();
        },
        fail: (error) => {
          end();
          reject(error);
        },
      });
    });
  }
}

function row(id: string) {
  return {
    id,
    event: 'ping',
    receivedAt: new Date().toISOString(),
    outcome: 'pong' as const,
    reason: null,
    statusCode: 200,
    sha: null,
    deploymentId: null,
  };
}

/** Lets GroupCommit's scheduled commit (setImmediate) and every settled promise run. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('WalSync: one fsync at a time, shared by the commits that wait for it', () => {
  let dir: string;
  let db: Db;
  let stores: Stores;
  let disk: FakeDiskWalSync;
  let commits: GroupCommit;
  /** For each delivery whose write resolved: how many fsyncs had completed by then. */
  let resolvedAfter: Map<string, number>;
  let rejected: Map<string, unknown>;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hookdeploy-wal-sync-'));
    db = openDatabase(dir);
    stores = createStores(db, new DeploymentEvents());
    disk = new FakeDiskWalSync(db);
    commits = new GroupCommit(stores.transactions, disk);
    resolvedAfter = new Map();
    rejected = new Map();
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Records `id` in its own event-loop turn, so in its own group transaction. */
  async function commitAlone(id: string): Promise<void> {
    void commits
      .run(() => stores.deliveries.record(DEFAULT_TARGET_ID, row(id)))
      .then(
        () => resolvedAfter.set(id, disk.completed),
        (error: unknown) => rejected.set(id, error),
      );
    await nextTurn();
  }

  /**
   * The durability invariant: a write resolves only once an fsync that STARTED after its
   * transaction committed has completed; the last fsync completed when it resolved must
   * have covered it.
   */
  function expectEveryResolvedWriteCoveredByItsFsync(): void {
    for (const [id, completed] of resolvedAfter) {
      expect({ id, covered: disk.fsyncs[completed - 1]?.covered.includes(id) }).toEqual({ id, covered: true });
    }
  }

  it('commits made while an fsync runs wait for the next one, which covers them all at once', async () => {
    await commitAlone('a');
    await commitAlone('b');
    await commitAlone('c');
    // Three transactions, one fsync: b and c were committed after it started.
    expect(disk.fsyncs.map((fsync) => fsync.covered)).toEqual([['a']]);
    expect(disk.maxInFlight).toBe(1);

    disk.fsyncs[0]!.finish();
    await nextTurn();
    expect([...resolvedAfter.keys()]).toEqual(['a']);
    // The next fsync started as the first returned, covering both waiting commits.
    expect(disk.fsyncs.map((fsync) => fsync.covered)).toEqual([['a'], ['a', 'b', 'c']]);

    disk.fsyncs[1]!.finish();
    await nextTurn();
    expect([...resolvedAfter.keys()].sort()).toEqual(['a', 'b', 'c']);
    expect(disk.fsyncs).toHaveLength(2);
    expect(disk.maxInFlight).toBe(1);
    expectEveryResolvedWriteCoveredByItsFsync();
  });

  it('a commit made during an fsync never resolves with that fsync', async () => {
    await commitAlone('early');
    await commitAlone('during');
    disk.fsyncs[0]!.finish();
    await nextTurn();
    expect(resolvedAfter.has('early')).toBe(true);
    expect(resolvedAfter.has('during')).toBe(false);
    disk.fsyncs[1]!.finish();
    await nextTurn();
    expect(resolvedAfter.get('during')).toBe(2);
    expectEveryResolvedWriteCoveredByItsFsync();
  });

  it('with no fsync running, a commit starts its own at once', async () => {
    await commitAlone('a');
    disk.fsyncs[0]!.finish();
    await nextTurn();
    await commitAlone('b');
    expect(disk.fsyncs.map((fsync) => fsync.covered)).toEqual([['a'], ['a', 'b']]);
    disk.fsyncs[1]!.finish();
    await nextTurn();
    expect([...resolvedAfter.keys()]).toEqual(['a', 'b']);
  });

  it('a failed fsync rejects exactly the commits it covered; the next one still runs', async () => {
    await commitAlone('a');
    await commitAlone('b');
    await commitAlone('c');
    disk.fsyncs[0]!.fail(new Error('EIO: the disk is gone'));
    await nextTurn();
    expect([...rejected.keys()]).toEqual(['a']);
    expect(rejected.get('a')).toEqual(new Error('EIO: the disk is gone'));
    expect(resolvedAfter.size).toBe(0);

    disk.fsyncs[1]!.fail(new Error('EIO: still gone'));
    await nextTurn();
    expect([...rejected.keys()].sort()).toEqual(['a', 'b', 'c']);

    await commitAlone('d');
    disk.fsyncs[2]!.finish();
    await nextTurn();
    expect([...resolvedAfter.keys()]).toEqual(['d']);
    expect(disk.maxInFlight).toBe(1);
  });

  it('under a steady stream of commits, at most one fsync runs and every write is covered by its own', async () => {
    // 40 turns of 0-3 writes each; the disk finishes an fsync every third turn.
    let next = 0;
    for (let turn = 0; turn < 40; turn += 1) {
      for (let write = 0; write < turn % 4; write += 1) {
        const id = `w${String(next++).padStart(3, '0')}`;
        void commits
          .run(() => stores.deliveries.record(DEFAULT_TARGET_ID, row(id)))
          .then(
            () => resolvedAfter.set(id, disk.completed),
            (error: unknown) => rejected.set(id, error),
          );
      }
      await nextTurn();
      if (turn % 3 === 2) disk.fsyncs[disk.completed]?.finish();
    }
    while (disk.completed < disk.fsyncs.length) {
      disk.fsyncs[disk.completed]!.finish();
      await nextTurn();
    }
    expect(resolvedAfter.size).toBe(next);
    expect(rejected.size).toBe(0);
    expect(disk.maxInFlight).toBe(1);
    // Fewer fsyncs than transactions: the waiting ones shared.
    expect(disk.fsyncs.length).toBeLessThan(30);
    expectEveryResolvedWriteCoveredByItsFsync();
  });

  it('close() waits for the fsync under way, so the commits it covers still resolve', async () => {
    await commitAlone('a');
    await commitAlone('b');
    const closed = disk.close();
    disk.fsyncs[0]!.finish();
    await nextTurn();
    disk.fsyncs[1]!.finish();
    await closed;
    expect([...resolvedAfter.keys()]).toEqual(['a', 'b']);
    expect(rejected.size).toBe(0);
  });
});
