/** An authentic push for a target's branch, as the queue records it. */
export interface PushRequest {
  deliveryId: string;
  event: string;
  ref: string;
  /** The pushed `after`. */
  sha: string;
  receivedAt: string;
}

export type Acceptance = { status: 'queued' | 'duplicate'; deploymentId: number };

/** Why a push or a manual deploy cannot be taken now; the caller answers 503 (retry later). */
export class NotAcceptedError extends Error {}

export class ShuttingDownError extends NotAcceptedError {
  constructor() {
    super('hookdeploy is shutting down; deliver again once it is back');
  }
}

/** The database refused the write (disk full, file gone): nothing was accepted. */
export class NotRecordedError extends NotAcceptedError {
  constructor() {
    // The database's own message goes to the log only.
    super('the request could not be recorded; send it again later');
  }
}

/** A manual deploy of a paused target: the caller answers 409 (resume it first). */
export class TargetPausedError extends Error {
  constructor(target: string, reason: string | undefined) {
    super(
      `target "${target}" is paused${reason === undefined ? '' : ` (${reason})`}: pushes are recorded but not deployed; ` +
        `resume it first (POST /targets/${target}/resume)`,
    );
  }
}
