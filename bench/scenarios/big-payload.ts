import autocannon from 'autocannon';
import { request } from 'node:http';
import { connect } from 'node:net';
import { BRANCH_PUSH_EXAMPLE, PING_EXAMPLE, pushPayload, signedDelivery } from '../../test/fixtures/deliveries.js';
import { SECRET, type BenchService } from '../lib/service.js';

const MB = 1024 * 1024;
const ROUNDS = 3;

/** A real push payload for `sha` whose `commits` list makes it about `bytes` long. */
function pushOfSize(sha: string, bytes: number): Record<string, unknown> {
  const headCommit = BRANCH_PUSH_EXAMPLE.head_commit as Record<string, unknown>;
  const commit = { ...headCommit, message: `a long commit message ${'x'.repeat(4000)}` };
  const perCommit = JSON.stringify(commit).length + 1;
  const commits = Array.from({ length: Math.ceil(bytes / perCommit) }, () => commit);
  return pushPayload({ after: sha, extra: { commits } });
}

/**
 * POSTs `body` and resolves with the status, even when the server answers before reading
 * it all. `refusedEarly`: the server is expected to answer from the headers alone (413 by
 * Content-Length), so the body is only sent if no answer came within a second. Otherwise
 * the client may still be writing when the server closes, and the kernel then resets the
 * connection and drops the 413 before it is read (EPIPE/ECONNRESET instead of a status).
 */
function post(base: string, headers: Record<string, string>, body: string, refusedEarly = false): Promise<number> {
  const url = new URL(`${base}/github`);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        // Its own connection, with an error handler from the start: the server answers a
        // refused body and closes while the client may still be writing (EPIPE).
        createConnection: () => connect(Number(url.port), url.hostname).on('error', () => undefined),
      },
      (res) => {
        answered = true;
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', (error) => (answered ? undefined : reject(error)));
    if (!refusedEarly) {
      req.end(body);
      return;
    }
    req.flushHeaders();
    setTimeout(() => (answered ? req.destroy() : req.end(body)), 1000);
  });
}

/**
 * Signed payloads of 20 MB (under GitHub's 25 MiB cap: accepted) and 26 MB (refused with
 * 413), three of each, while small signed pings keep arriving on 5 connections: the
 * small ones' latency must not suffer from the big ones.
 */
export async function bigPayload(service: BenchService): Promise<Record<string, number>> {
  const sha = await service.fixture.commitAndPush('big payload');
  const accepted = signedDelivery(pushOfSize(sha, 20 * MB), { secret: SECRET });
  const refused = signedDelivery(pushOfSize(sha, 26 * MB), { secret: SECRET });
  const ping = signedDelivery(PING_EXAMPLE, { secret: SECRET, event: 'ping' });

  const small = new Promise<autocannon.Result>((resolve, reject) =>
    autocannon(
      {
        url: `${service.base}/github`,
        method: 'POST',
        connections: 5,
        duration: 4,
        headers: ping.headers,
        body: ping.body,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    ),
  );
  const statuses: number[] = [];
  let acceptMs = 0;
  await new Promise((done) => setTimeout(done, 500));
  for (let round = 0; round < ROUNDS; round += 1) {
    const started = performance.now();
    statuses.push(
      await post(service.base, { ...accepted.headers, 'x-github-delivery': `big-${round}` }, accepted.body),
    );
    acceptMs = Math.max(acceptMs, performance.now() - started);
    statuses.push(
      await post(service.base, { ...refused.headers, 'x-github-delivery': `huge-${round}` }, refused.body, true),
    );
  }
  const result = await small;
  const expected = Array.from({ length: ROUNDS }, () => [202, 413]).flat();
  if (statuses.join() !== expected.join()) {
    throw new Error(`big payloads answered ${statuses.join(', ')}, expected ${expected.join(', ')}`);
  }
  if (result.non2xx > 0) throw new Error(`${result.non2xx} small deliveries were not answered 200`);
  return {
    bigPayloadBytes: accepted.body.length,
    refusedPayloadBytes: refused.body.length,
    bigPayloadSlowestAcceptMs: Math.round(acceptMs),
    smallDuringBigP50Ms: result.latency.p50,
    smallDuringBigP99Ms: result.latency.p99,
    smallDuringBigRequests: result.requests.total,
  };
}
