import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeploymentEvents } from '../events/deployment-events.js';
import { DEFAULT_TARGET_ID } from '../domain/target.js';
import { GroupCommit } from './group-commit.js';
import { openDatabase, type Db } from './open-database.js';
import { createStores, type Stores } from './stores.js';
import { WalSync } from './wal-sync.js';

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

describe('GroupCommit, on a real SQLite store', () => {
  let dir: string;
  let db: Db;
  let stores: Stores;
  let commits: GroupCommit;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hookdeploy-group-'));
    db = openDatabase(dir);
    stores = createStores(db, new DeploymentEvents());
    commits = new GroupCommit(stores.transactions, new WalSync(db));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits the writes of one event-loop turn in one transaction, and each resolves with its own result', async () => {
    const transactions = jest.spyOn(stores.transactions, 'atomically');
    // 20 targets: each may have one waiting deployment.
    const written = Array.from({ length: 20 }, (_, i) =>
      commits.run(
        () =>
          stores.deployments.create(`target-${i}`, {
            trigger: 'push',
            ref: 'refs/heads/main',
            requestedSha: String(i).padStart(40, '0'),
          }).id,
      ),
    );
    // Nothing is committed, and nothing resolves, before the turn ends.
    expect(stores.deployments.list({ limit: 50 })).toHaveLength(0);
    expect(await Promise.all(written)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(transactions).toHaveBeenCalledTimes(1);
    expect(stores.deployments.list({ limit: 50 })).toHaveLength(20);
  });

  it('writes of later turns get their own transaction', async () => {
    const transactions = jest.spyOn(stores.transactions, 'atomically');
    await commits.run(() => stores.deliveries.record(DEFAULT_TARGET_ID, row('first')));
    await commits.run(() => stores.deliveries.record(DEFAULT_TARGET_ID, row('second')));
    expect(transactions).toHaveBeenCalledTimes(2);
    expect(
      stores.deliveries
        .list({ limit: 10 })
        .map((d) => d.id)
        .sort(),
    ).toEqual(['first', 'second']);
  });

  it('a failing write fails alone: the others of its turn are committed', async () => {
    const results = await Promise.allSettled([
      commits.run(() => stores.deliveries.record(DEFAULT_TARGET_ID, row('before'))),
      commits.run(() => {
        throw new Error('this write is broken');
      }),
      commits.run(() => stores.deliveries.record(DEFAULT_TARGET_ID, row('after'))),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error('this write is broken'));
    expect(
      stores.deliveries
        .list({ limit: 10 })
        .map((d) => d.id)
        .sort(),
    ).toEqual(['after', 'before']);
  });

  it('resolves only once the WAL has been synced to disk', async () => {
    const order: string[] = [];
    class RecordingWalSync extends WalSync {
      override async sync(): Promise<void> {
        order.push('sync started');
        await super.sync();
        order.push('sync done');
      }
    }
    commits = new GroupCommit(stores.transactions, new RecordingWalSync(db));
    await Promise.all([
      commits.run(() => stores.deliveries.record(DEFAULT_TARGET_ID, row('a'))).then(() => order.push('a resolved')),
      commits.run(() => stores.deliveries.record(DEFAULT_TARGET_ID, row('b'))).then(() => order.push('b resolved')),
    ]);
    expect(order).toEqual(['sync started', 'sync done', 'a resolved', 'b resolved']);
  });

  it('a failed sync fails the callers of its batch', async () => {
    class FailingWalSync extends WalSync {
      override sync(): Promise<void> {
        return Promise.reject(new Error('EIO: the disk is gone'));
      }
    }
    commits = new GroupCommit(stores.transactions, new FailingWalSync(db));
    await expect(commits.run(() => stores.deliveries.record(DEFAULT_TARGET_ID, row('a')))).rejects.toThrow(
      'EIO: the disk is gone',
    );
  });

  it('when the database refuses every write, every caller is told', async () => {
    db.close();
    const results = await Promise.allSettled([
      commits.run(() => stores.deliveries.record(DEFAULT_TARGET_ID, row('a'))),
      commits.run(() => stores.deliveries.record(DEFAULT_TARGET_ID, row('b'))),
    ]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    db = openDatabase(dir);
  });
});
