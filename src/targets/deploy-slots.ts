/**
 * At most `limit` deploys at once across all targets (MAX_PARALLEL_DEPLOYS): each target
 * deploys one at a time on its own, and this caps how many targets do so together, so a
 * server running several builds is not swamped. Waiters are served first come, first served.
 */
export class DeploySlots {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  }

  /** Resolves with a release function once a slot is free; call it exactly once. */
  async acquire(): Promise<() => void> {
    if (this.running < this.limit) {
      this.running++;
    } else {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      // The slot was handed over by release(): `running` already counts it.
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    };
  }

  /** Deploys holding a slot right now. */
  get inUse(): number {
    return this.running;
  }
}
