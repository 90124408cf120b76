/** What hookdeploy answered to a delivery whose signature was valid. */
export type DeliveryOutcome = 'queued' | 'duplicate' | 'ignored' | 'pong' | 'rejected';

export interface DeliveryRecord {
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
