import type { Target } from '../domain/target.js';
import type { RawBodyRequest } from '../common/raw-body.js';

/** A webhook request once TargetLookupMiddleware found its target and RawBodyMiddleware read it. */
export type HookRequest = RawBodyRequest & { hookTarget?: Target };

/** The target TargetLookupMiddleware attached; it runs before every webhook route. */
export function hookTargetOf(req: HookRequest): Target {
  if (req.hookTarget === undefined) throw new Error('webhook route reached without TargetLookupMiddleware');
  return req.hookTarget;
}
