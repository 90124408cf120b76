/** The bounds of reporting to a forge: what a forge that is slow, down or rate-limiting can cost. */
export interface ReportLimits {
  /** One request to the forge: no answer within this is a network error (retried). */
  requestTimeoutMs: number;
  /** A report is retried until this long after its first try, then given up (logged). */
  retryWindowMs: number;
  /** The first retry's wait; it doubles with each try. */
  firstRetryDelayMs: number;
  /** The longest wait between tries, a forge's `Retry-After` included. */
  maxRetryDelayMs: number;
  /** Reports waiting per target; beyond it the oldest is dropped (logged). */
  queueCap: number;
  /** At shutdown, how long pending reports may still finish before they are abandoned (logged). */
  shutdownGraceMs: number;
}

export const REPORT_LIMITS: ReportLimits = {
  requestTimeoutMs: 10_000,
  retryWindowMs: 10 * 60_000,
  firstRetryDelayMs: 1_000,
  maxRetryDelayMs: 60_000,
  queueCap: 100,
  shutdownGraceMs: 5_000,
};
