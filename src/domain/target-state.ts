/**
 * Whether a target deploys its pushes. A paused target still verifies, records and
 * answers them (`202`), but runs only rollbacks until it is resumed.
 */
export interface TargetState {
  paused: boolean;
  /** ISO 8601; only while paused. */
  pausedAt?: string;
  /** Why, for people: "rolled back to deployment 12", "paused by an admin". Only while paused. */
  pausedReason?: string;
}

export const RUNNING_STATE: TargetState = { paused: false };
