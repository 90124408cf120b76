import type { Target } from '../domain/target.js';
import type { RawBodyRequest } from '../common/raw-body.js';

/** A webhook request once the target middleware found its target and RawBodyMiddleware read it. */
export type HookRequest = RawBodyRequest & { hookTarget?: Target };

/** The target the target middleware attached; it runs before every webhook route. */
export function hookTargetOf(req: HookRequest): Target {
  if (req.hookTarget === undefined) throw new Error('webhook route reached without the target middleware');
  return req.hookTarget;
}
