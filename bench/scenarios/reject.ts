import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pushPayload } from '../../test/fixtures/deliveries.js';
import { sign } from '../../src/webhook/verify-signature.js';
import type { BenchService } from '../lib/service.js';

const DELIVERIES = 10_000;

/**
 * 10,000 deliveries signed with the wrong secret over 10 connections: the cost of
 * turning away a stranger. Returns requests/s and latency percentiles.
 */
export async function reject(service: BenchService): Promise<Record<string, number>> {
  const { rps, p50, p99 } = await flood(`${service.base}/github`);
  return { rejectRps: rps, rejectP50Ms: p50, rejectP99Ms: p99 };
}

/**
 * The same flood against Express 5 alone doing the same check (bench/baselines): what
 * the users' stack allows on this machine before any of hookdeploy's own work.
 */
export async function rejectExpressCeiling(): Promise<Record<string, number>> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('../baselines/express-reject.mjs', import.meta.url))], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise<string>((resolve) =>
      child.stdout.once('data', (data) => resolve(String(data).trim())),
    );
    return { rejectExpressAloneRps: (await flood(`http://127.0.0.1:${port}/github`)).rps };
  } finally {
    child.kill('SIGTERM');
  }
}

async function flood(url: string): Promise<{ rps: number; p50: number; p99: number }> {
  const body = JSON.stringify(pushPayload({ after: 'a'.repeat(40) }));
  const started = performance.now();
  let lastAnswer = started;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
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
  return { rps: Math.round(DELIVERIES / seconds), p50: result.latency.p50, p99: result.latency.p99 };
}
