import { Agent, request } from 'node:http';
import type { SignedRequest } from '../../test/fixtures/deliveries.js';
import { TOKEN } from './service.js';

/** The value below which `p` percent of `values` lie (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * `count` admin GETs of `url`, one after another on one kept-alive connection (a dashboard
 * or a script polling): request written → whole answer read, in ms. Throws unless each is 200.
 */
export async function timeGets(url: string, count: number): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  try {
    for (let i = 0; i < count; i += 1) times.push(await timedGet(url, agent));
  } finally {
    agent.destroy();
  }
  return times;
}

function timedGet(url: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(url, { agent, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode === 200) resolve(performance.now() - started);
        else reject(new Error(`GET ${url} answered ${res.statusCode}`));
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** A delivery's answer: its status (0: the connection failed) and the time it took. */
export interface Answer {
  status: number;
  ms: number;
}

/** Sends one prepared delivery on `agent` (a connection of its own when none): never throws. */
export function postDelivery(url: string, delivery: SignedRequest, agent: Agent | false = false): Promise<Answer> {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = request(url, { method: 'POST', headers: delivery.headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
    });
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
    req.end(delivery.body);
  });
}
