import type { IncomingHttpHeaders } from 'node:http';
import type { ForgeName } from '../domain/forge-name.js';
import type { PushEvent } from '../domain/push.js';

/**
 * Whether a delivery proves it comes from the forge. `secretIndex` says which of the
 * target's secrets matched (0 = the newest), so that a metric shows when an old secret
 * stops being used. A reason never contains a secret or an expected digest.
 */
export type Verification = { valid: true; secretIndex: number } | { valid: false; reason: string };

/** What a verified delivery says, in the same terms for every forge. */
export type ForgeEvent =
  | { kind: 'ping' }
  | { kind: 'ignored'; reason: string }
  | { kind: 'invalid'; reason: string }
  /** Bitbucket reports several ref updates in one delivery, hence a list. */
  | { kind: 'push'; pushes: readonly PushEvent[] };

/**
 * One forge's side of `POST /hooks/:id`: how a request proves itself and how its push
 * is read. Pure and synchronous, free of Nest and of anything outside src/domain and
 * node: built-ins, so that it can run on a worker thread.
 */
export interface ForgeAdapter {
  readonly name: ForgeName;
  /** The header `event()` reads first, as a missing-header 400 names it. */
  readonly eventHeader: string;
  /** The header `deliveryId()` reads first, as a log line names it when it is missing. */
  readonly deliveryIdHeader: string;
  /** The event name of a push, as the event header carries it (`push`, `Push Hook`, `repo:push`). */
  readonly pushEvent: string;
  verify(headers: IncomingHttpHeaders, rawBody: Buffer, secrets: readonly string[], now: Date): Verification;
  event(headers: IncomingHttpHeaders): string | undefined;
  /** The id deduplication keys on; undefined when the forge sent none. */
  deliveryId(headers: IncomingHttpHeaders): string | undefined;
  /** `payload` is the parsed JSON body, whatever its shape. */
  normalize(event: string, payload: unknown): ForgeEvent;
}
