export const DELIVERY_OUTCOMES = ['queued', 'duplicate', 'ignored', 'pong', 'rejected'] as const;
/** What hookdeploy answered to a delivery whose signature was valid. */
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

export interface DeliveryRecord {
  /** The target it was sent to: deduplication is per target. */
  target: string;
  /** X-GitHub-Delivery, or the generated `local-<uuid>`. */
  id: string;
  event: string | null;
  receivedAt: string;
  outcome: DeliveryOutcome;
  /** Why it was ignored or rejected. */
  reason: string | null;
  statusCode: number;
  /** The pushed `after`, for accepted pushes. */
  sha: string | null;
  deploymentId: number | null;
}

/** A record as written: the store takes the target apart, like every per-target method. */
export type NewDelivery = Omit<DeliveryRecord, 'target'>;

/** A record as read back: `seq` orders the journal (an id may appear twice: queued, then duplicate). */
export type StoredDelivery = DeliveryRecord & { seq: number };

export interface DeliveryQuery {
  /** Only this target's deliveries; every target's when undefined. */
  target?: string;
  outcome?: DeliveryOutcome;
  /** Only records strictly older than this seq. */
  before?: number;
  limit: number;
}
