import { request } from 'node:http';
import type { SignedRequest } from '../../test/fixtures/deliveries.js';

/**
 * Sends one prepared delivery to `url` on a connection of its own, as GitHub does;
 * resolves with the time from sending to the whole answer, in ms. Throws unless it was
 * `expected` (202, an accepted push; 200 for a ping).
 */
export function deliver(url: string, delivery: SignedRequest, expected = 202): Promise<number> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: delivery.headers,
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === expected) resolve(performance.now() - started);
          else reject(new Error(`delivery to ${target.pathname} answered ${res.statusCode}`));
        });
      },
    );
    req.on('error', reject);
    req.end(delivery.body);
  });
}
