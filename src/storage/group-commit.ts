import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Transactions } from './transactions.js';
import { WalSync } from './wal-sync.js';

interface PendingWrite {
  work: () => unknown;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; result: unknown } | { ok: false; error: unknown };

/**
 * Commits the writes asked for during one turn of the event loop in one transaction,
 * then makes them durable with an fsync of the WAL on the thread pool (WalSync runs one
 * at a time; the transactions committed meanwhile share the next). Each caller
 * resolves only once its own write is on disk (a 202 survives a power cut), yet the
 * event loop never waits for the disk: 50 deliveries arriving together used to queue
 * behind 50 fsyncs done inside the commits, tens of milliseconds each while git wrote.
 */
@Injectable()
export class GroupCommit implements OnApplicationShutdown {
  private pending: PendingWrite[] = [];

  constructor(
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(WalSync) private readonly wal: WalSync,
  ) {}

  /** Runs `work` inside the next group transaction; resolves with its result once on disk. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const write = { work, resolve: resolve as (result: unknown) => void, reject };
      // The first write of a turn schedules the commit, after the turn's other I/O callbacks.
      if (this.pending.push(write) === 1) setImmediate(() => this.commit());
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.wal.close();
  }

  private commit(): void {
    const batch = this.pending;
    this.pending = [];
    const outcomes = this.apply(batch);
    this.wal.sync().then(
      () => batch.forEach((write, index) => settle(write, outcomes[index]!)),
      (error: unknown) => batch.forEach((write) => write.reject(error)),
    );
  }

  private apply(batch: PendingWrite[]): Outcome[] {
    try {
      const results = this.transactions.atomically(() => batch.map((write) => write.work()));
      return results.map((result) => ({ ok: true, result }));
    } catch {
      // One failing write must not fail the others: each is tried again on its own.
      return batch.map((write) => {
        try {
          return { ok: true, result: this.transactions.atomically(write.work) };
        } catch (error) {
          return { ok: false, error };
        }
      });
    }
  }
}

function settle(write: PendingWrite, outcome: Outcome): void {
  if (outcome.ok) write.resolve(outcome.result);
  else write.reject(outcome.error);
}
