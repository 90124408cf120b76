import { open, type FileHandle } from 'node:fs/promises';
import type { Db } from './open-database.js';

/**
 * Makes committed transactions durable without blocking the event loop. The database
 * runs WAL with `synchronous=NORMAL`: a commit only writes the WAL, and SQLite syncs it
 * at checkpoints. `sync()` fsyncs the WAL on libuv's thread pool, which is what
 * `synchronous=FULL` would do inside every commit, on the main thread: while git writes
 * a pack, one such fsync took tens of milliseconds, and every delivery waited for it.
 */
export class WalSync {
  private handle: Promise<FileHandle> | undefined;

  constructor(private readonly db: Db) {}

  /** Resolves once every transaction committed before the call is on disk. */
  async sync(): Promise<void> {
    await this.fsyncWal();
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

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await (await handle)?.close();
  }
}
