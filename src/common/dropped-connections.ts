import type { WarningSink } from '../observability/refusal-log.js';

/**
 * Warnings about connections Node closed at once because MAX_CONNECTIONS were open. The
 * first is logged at once (an operator sees the cap is reached); the ones that follow
 * within `intervalMs` are only counted and summed up in one line at the end of the
 * window, so a flood costs an increment per connection.
 */
export class DroppedConnections {
  private timer: NodeJS.Timeout | undefined;
  private suppressed = 0;

  constructor(
    private readonly logger: WarningSink,
    private readonly maxConnections: number,
    private readonly intervalMs = 10_000,
  ) {}

  dropped = (): void => {
    if (this.timer !== undefined) {
      this.suppressed += 1;
      return;
    }
    this.logger.warn({
      msg: `closed a new connection at once: ${this.maxConnections} connections are open (MAX_CONNECTIONS)`,
      maxConnections: this.maxConnections,
    });
    this.openWindow();
  };

  private openWindow(): void {
    this.timer = setTimeout(() => this.closeWindow(), this.intervalMs);
    // A pending summary must not keep the process alive.
    this.timer.unref();
  }

  private closeWindow(): void {
    this.timer = undefined;
    const count = this.suppressed;
    if (count === 0) return;
    this.suppressed = 0;
    const seconds = Math.round(this.intervalMs / 100) / 10;
    this.logger.warn({
      msg: `closed ${count} more new ${count === 1 ? 'connection' : 'connections'} at once in the last ${seconds} s: MAX_CONNECTIONS (${this.maxConnections}) were open`,
      dropped: count,
      maxConnections: this.maxConnections,
    });
    this.openWindow();
  }
}
