import type { Transaction } from 'better-sqlite3';
import type { Db } from './open-database.js';

/**
 * The one transaction wrapper every store shares. Synchronous on purpose (better-sqlite3):
 * the accept step (dedup, then join or create the waiting deployment, then the delivery
 * row) runs inside one `atomically()`, which no other request can interleave with on
 * Node's one thread, and which is on disk before the answer (see GroupCommit).
 */
export class Transactions {
  /** What waits for the end of the current transaction, by key (a task is queued once). */
  private pending: Map<string, () => void> | undefined;
  /** One wrapper for all: better-sqlite3 builds one per `db.transaction()` call. */
  private readonly inTransaction: Transaction<(work: () => unknown) => unknown>;

  constructor(db: Db) {
    this.inTransaction = db.transaction((work: () => unknown) => work());
  }

  /** Runs `work` in one `BEGIN IMMEDIATE` transaction; inside another, simply as part of it. */
  atomically<T>(work: () => T): T {
    if (this.pending) return work();
    const pending = new Map<string, () => void>();
    this.pending = pending;
    try {
      return this.inTransaction.immediate(work) as T;
    } finally {
      this.pending = undefined;
      for (const task of pending.values()) task();
    }
  }

  /**
   * Runs `task` once the current transaction ended, committed or rolled back (so what it
   * reads is what the database holds), once per `key` however often it was asked for;
   * outside a transaction, at once.
   */
  afterwards(key: string, task: () => void): void {
    if (!this.pending) task();
    else if (!this.pending.has(key)) this.pending.set(key, task);
  }
}
