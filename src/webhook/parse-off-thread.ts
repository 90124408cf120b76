import type { IncomingHttpHeaders } from 'node:http';
import { Worker } from 'node:worker_threads';
import { mediaType } from '../common/headers.js';
import type { ForgeAdapter } from '../forges/forge.js';
import { github } from '../forges/github.js';
import {
  acceptsFormBodies,
  parseDelivery,
  readPayload,
  toDelivery,
  type Delivery,
  type PayloadResult,
} from './delivery.js';

/**
 * Bodies from this size on are parsed on a worker thread. GitHub's pushes weigh tens of
 * kilobytes; decoding and parsing a 20 MB one takes ~50 ms here (more on a busy machine),
 * during which every other delivery, health check and the deploy's own I/O would wait.
 */
export const OFF_THREAD_BYTES = 1024 * 1024;

/**
 * The payload without what no forge's push reading needs, so that a 20 MB object never
 * crosses back: every `commits` list (the bulk of a big push on every forge) is dropped,
 * and anything nested deeper than the deepest field a forge reads (Bitbucket's
 * `push.changes[].new.target.hash`, six levels) becomes null. Copying a deeply nested
 * value back to the main thread would overflow the structured clone's stack; a forge
 * reads a null where it wants a string as no value, the same refusal as the original.
 * Self-contained: the worker runs its source text.
 */
export function decisionFields(payload: object): object {
  const maxDepth = 6;
  const prune = (value: unknown, depth: number): unknown => {
    if (value === null || typeof value !== 'object') return value;
    if (depth >= maxDepth) return null;
    if (Array.isArray(value)) return value.map((item: unknown) => prune(item, depth + 1));
    const kept: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) if (key !== 'commits') kept[key] = prune(item, depth + 1);
    return kept;
  };
  return prune(payload, 0) as object;
}

// Evaluated as a CommonJS script in the worker: the same functions as on the main
// thread, by source, so that a test of parseDelivery covers the worker's rules too.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const readPayload = ${readPayload.toString()};
const decisionFields = ${decisionFields.toString()};
const result = readPayload(workerData.type, workerData.body, workerData.jsonOnly);
parentPort.postMessage('payload' in result ? { payload: decisionFields(result.payload) } : result);
`;

/**
 * parseDelivery(), on a worker thread for a big body. The body's memory moves to the
 * worker rather than being copied: the caller must not read `body` afterwards.
 */
export async function parseDeliveryOffThread(
  headers: IncomingHttpHeaders,
  body: Buffer,
  forge: ForgeAdapter = github,
): Promise<Delivery> {
  if (body.length < OFF_THREAD_BYTES) return parseDelivery(headers, body, forge);
  const ownsMemory = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
  const result = await new Promise<PayloadResult>((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { type: mediaType(headers), body, jsonOnly: !acceptsFormBodies(forge) },
      transferList: ownsMemory ? [body.buffer as ArrayBuffer] : [],
    });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the payload worker exited with code ${code}`)));
  });
  return toDelivery(headers, result, forge);
}
