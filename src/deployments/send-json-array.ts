import type { Response } from 'express';
import { once } from 'node:events';

/**
 * Sends `items` as one JSON array, written item by item: a page of deployments with their
 * logs can reach hundreds of megabytes, more than one string may hold, and more than
 * should sit in memory at once. Stops early if the client goes away.
 */
export async function sendJsonArray(res: Response, items: Iterable<unknown>): Promise<void> {
  res.status(200).type('application/json; charset=utf-8');
  let separator = '[';
  for (const item of items) {
    if (res.destroyed) return;
    if (!res.write(separator + JSON.stringify(item))) {
      await Promise.race([once(res, 'drain'), once(res, 'close')]);
    }
    separator = ',';
  }
  res.end(separator === '[' ? '[]' : ']');
}
