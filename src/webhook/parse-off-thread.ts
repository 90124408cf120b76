import type { IncomingHttpHeaders } from 'node:http';
import { Worker } from 'node:worker_threads';
import { mediaType } from '../common/headers.js';
import { parseDelivery, readPayload, toDelivery, type Delivery, type PayloadResult } from './delivery.js';

/**
 * Bodies from this size on are parsed on a worker thread. GitHub's pushes weigh tens of
 * kilobytes; decoding and parsing a 20 MB one takes ~50 ms here (more on a busy machine),
 * during which every other delivery, health check and the deploy's own I/O would wait.
 */
export const OFF_THREAD_BYTES = 1024 * 1024;

/**
 * Keeps only what the decision reads (push-filter.ts), so that a 20 MB object never
 * crosses back. Only strings, numbers, booleans and null are kept: the decision reads
 * nothing else in these fields (an object where it wants a string is the same refusal
 * as none), and copying a deeply nested value back to the main thread would overflow
 * the stack of the structured clone. Self-contained: the worker runs its source text.
 */
export function decisionFields(payload: object): object {
  const scalar = (value: unknown): boolean => value === null || ['string', 'number', 'boolean'].includes(typeof value);
  const source = payload as Record<string, unknown>;
  const kept: Record<string, unknown> = {};
  for (const key of ['ref', 'deleted', 'before', 'after']) if (scalar(source[key])) kept[key] = source[key];
  const repository = source.repository;
  if (typeof repository === 'object' && repository !== null) {
    const fullName = (repository as Record<string, unknown>).full_name;
    kept.repository = scalar(fullName) ? { full_name: fullName } : {};
  }
  return kept;
}

// Evaluated as a CommonJS script in the worker: the same functions as on the main
// thread, by source, so that a test of parseDelivery covers the worker's rules too.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const readPayload = ${readPayload.toString()};
const decisionFields = ${decisionFields.toString()};
const result = readPayload(workerData.type, workerData.body);
parentPort.postMessage('payload' in result ? { payload: decisionFields(result.payload) } : result);
`;

/**
 * parseDelivery(), on a worker thread for a big body. The body's memory moves to the
 * worker rather than being copied: the caller must not read `body` afterwards.
 */
export async function parseDeliveryOffThread(headers: IncomingHttpHeaders, body: Buffer): Promise<Delivery> {
  if (body.length < OFF_THREAD_BYTES) return parseDelivery(headers, body);
  const ownsMemory = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
  const result = await new Promise<PayloadResult>((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { type: mediaType(headers), body },
      transferList: ownsMemory ? [body.buffer as ArrayBuffer] : [],
    });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the payload worker exited with code ${code}`)));
  });
  return toDelivery(headers, result);
}
