/** What RefusalLog needs of a logger: Nest's `Logger` and PinoLoggerService both fit. */
export interface WarningSink {
  warn(message: object): void;
}

/** The delivery id of an unsigned request is whatever the sender put in the header. */
const MAX_ID_LENGTH = 100;

function clip(id: string | undefined): string | undefined {
  return id === undefined || id.length <= MAX_ID_LENGTH ? id : `${id.slice(0, MAX_ID_LENGTH)}…`;
}

/**
 * Warnings about refused requests that anyone can send as fast as they like (wrong
 * signatures, oversized bodies). The first refusal is logged at once, so a misconfigured
 * secret shows immediately; the ones that follow within `intervalMs` are only counted,
 * and at the end of each such window one line sums them up with the last one's delivery
 * id and reason. A flood of thousands per second thus costs a counter increment per
 * request and one line per window. A window without refusals ends the summaries: the
 * next refusal is again logged at once.
 */
export class RefusalLog {
  private timer: NodeJS.Timeout | undefined;
  private suppressed = 0;
  private lastDelivery: string | undefined;
  private lastReason = '';

  /**
   * @param what how the summary names the refusals: "for bad signatures" gives
   *   "1234 more deliveries refused for bad signatures in the last 10 s".
   */
  constructor(
    private readonly logger: WarningSink,
    private readonly what: string,
    private readonly intervalMs = 10_000,
  ) {}

  /** No allocation while a window is open: two assignments and an increment. */
  refused(delivery: string | undefined, reason: string): void {
    if (this.timer !== undefined) {
      this.suppressed += 1;
      this.lastDelivery = delivery;
      this.lastReason = reason;
      return;
    }
    const id = clip(delivery);
    this.logger.warn({ msg: `delivery ${id ?? '-'}: refused, ${reason}`, delivery: id, reason });
    this.openWindow();
  }

  /** Logs what the current window counted so far and closes it (at shutdown). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.summarize();
  }

  private openWindow(): void {
    this.timer = setTimeout(() => this.closeWindow(), this.intervalMs);
    // A pending summary must not keep the process alive.
    this.timer.unref();
  }

  private closeWindow(): void {
    this.timer = undefined;
    if (this.summarize()) this.openWindow();
  }

  /** Returns whether there was anything to sum up. */
  private summarize(): boolean {
    const count = this.suppressed;
    if (count === 0) return false;
    this.suppressed = 0;
    const id = clip(this.lastDelivery);
    const seconds = Math.round(this.intervalMs / 100) / 10;
    this.logger.warn({
      msg:
        `${count} more ${count === 1 ? 'delivery' : 'deliveries'} refused ${this.what} in the last ${seconds} s ` +
        `(the last: delivery ${id ?? '-'}, ${this.lastReason})`,
      refused: count,
      delivery: id,
      reason: this.lastReason,
    });
    return true;
  }
}
