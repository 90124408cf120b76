/**
 * The webhook body bytes the service may hold at once, across all requests: every body
 * is read before its signature can be checked, so anyone can make us hold them.
 *
 * A body may hold at most half of what the other bodies leave free, or the whole budget
 * when it is the only one. A flood of big bodies therefore gets one or two of them in
 * and always leaves room for GitHub's usual deliveries of a few kilobytes, while one
 * maximal delivery (25 MiB) still fits into an idle budget of at least 25 MiB.
 * Pure bookkeeping: the reader asks before it keeps a byte.
 */
export class BodyBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  /** Bytes reserved by all open reservations. */
  get inUse(): number {
    return this.used;
  }

  /** A reservation of 0 bytes, grown as the body is declared or arrives. */
  open(): BodyReservation {
    return new BodyReservation(this);
  }

  /** @internal Whether a body holding `held` may grow to `held + bytes`; reserves it if so. */
  take(held: number, bytes: number): boolean {
    const others = this.used - held;
    const allowed = others === 0 ? this.limit : (this.limit - others) / 2;
    if (held + bytes > allowed) return false;
    this.used += bytes;
    return true;
  }

  /** @internal */
  give(bytes: number): void {
    this.used -= bytes;
  }
}

/** One body's share of the budget. `release()` may be called any number of times. */
export class BodyReservation {
  private held = 0;
  private released = false;

  constructor(private readonly budget: BodyBudget) {}

  get bytes(): number {
    return this.held;
  }

  /** Reserves `bytes` more; false (and nothing reserved) when they do not fit. */
  grow(bytes: number): boolean {
    if (this.released || !this.budget.take(this.held, bytes)) return false;
    this.held += bytes;
    return true;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.budget.give(this.held);
    this.held = 0;
  }
}
