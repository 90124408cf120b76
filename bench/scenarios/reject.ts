import autocannon from 'autocannon';
import { pushPayload } from '../../test/fixtures/deliveries.js';
import { sign } from '../../src/webhook/verify-signature.js';
import type { BenchService } from '../lib/service.js';

const DELIVERIES = 10_000;

/**
 * 10,000 deliveries signed with the wrong secret over 10 connections: the cost of
 * turning away a stranger. Returns requests/s and latency percentiles.
 */
export async function reject(service: BenchService): Promise<Record<string, number>> {
  const body = JSON.stringify(pushPayload({ after: 'a'.repeat(40) }));
  const started = performance.now();
  let lastAnswer = started;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${service.base}/github`,
        method: 'POST',
        connections: 10,
        amount: DELIVERIES,
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-hub-signature-256': sign('not-the-secret', body),
        },
        body,
      },
      (error, finished) => (error ? reject(error) : resolve(finished)),
    );
    instance.on('response', () => {
      lastAnswer = performance.now();
    });
  });
  // Up to the last answer: autocannon itself only finishes on its one-second ticker.
  const seconds = (lastAnswer - started) / 1000;
  if (result.requests.total !== DELIVERIES || result['4xx'] !== DELIVERIES) {
    throw new Error(`expected ${DELIVERIES} refusals, got ${result['4xx']} 4xx of ${result.requests.total}`);
  }
  return {
    rejectRps: Math.round(DELIVERIES / seconds),
    rejectP50Ms: result.latency.p50,
    rejectP99Ms: result.latency.p99,
  };
}
