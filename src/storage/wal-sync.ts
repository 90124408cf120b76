import { open, type FileHandle } from 'node:fs/promises';
import type { Db } from './open-database.js';

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Makes committed transactions durable without blocking the event loop. The database
 * runs WAL with `synchronous=NORMAL`: a commit only writes the WAL, and SQLite syncs it
 * at checkpoints. `sync()` fsyncs the WAL on libuv's thread pool, which is what
 * `synchronous=FULL` would do inside every commit, on the main thread: while git writes
 * a pack, one such fsync took tens of milliseconds, and every delivery waited for it.
 *
 * One fsync runs at a time. Under load every group commit used to start its own, up to
 * 16 at once, each slower for the others (2 → 50 ms), the disk flushing them one after
 * another; now the callers that arrive while one runs wait together for the next.
 *
 * The invariant a 202 rests on: a caller resolves only once an fsync that STARTED after
 * its call (so after its transaction committed) has completed. An fsync already under
 * way may have passed the caller's pages, so it never answers for them.
 */
export class WalSync {
  private handle: Promise<FileHandle> | undefined;
  /** Callers since the current fsync started: the next fsync covers them all. */
  private waiting: Waiter[] = [];
  /** The loop running fsyncs while anyone waits; undefined when the disk is idle. */
  private flushing: Promise<void> | undefined;

  constructor(private readonly db: Db) {}

  /** Resolves once every transaction committed before the call is on disk. */
  sync(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  async close(): Promise<void> {
    // The commits an fsync under way covers still get their answer.
    await this.flushing;
    const handle = this.handle;
    this.handle = undefined;
    await (await handle)?.close();
  }

  /** One fsync of the WAL file (the seam the specs replace with a fake disk). */
  protected async fsyncWal(): Promise<void> {
    // The WAL exists from the first write on and stays while the database is open.
    this.handle ??= open(`${this.db.name}-wal`, 'r');
    try {
      await (await this.handle).sync();
    } catch (error) {
      this.handle = undefined;
      throw error;
    }
  }

  private async flush(): Promise<void> {
    while (this.waiting.length > 0) {
      // Taken just before the fsync starts: everyone in it called sync() before that.
      const covered = this.waiting;
      this.waiting = [];
      try {
        await this.fsyncWal();
        covered.forEach((waiter) => waiter.resolve());
      } catch (error) {
        // Exactly the callers this fsync covered fail; those waiting get a fresh attempt.
        covered.forEach((waiter) => waiter.reject(error));
      }
    }
    this.flushing = undefined;
  }
}
