import { describe, expect, it } from '@jest/globals';
import { connect } from 'node:net';
import { pushPayload, signedDelivery } from '../fixtures/deliveries.js';
import { LIVE_SECRET, type Exchange } from '../fixtures/live-service.js';
import { livePerTest } from '../fixtures/live-per-test.js';
import { ServiceProcess } from '../fixtures/service-process.js';
import { TestApp } from '../fixtures/test-app.js';

const TEST_TIMEOUT = 60_000;
const HEADERS_TIMEOUT_MS = 1000;
const REQUEST_TIMEOUT_MS = 2000;
/** Node sweeps for expired connections on a timer; on a busy 2-core machine, allow for it and more. */
const SLACK_MS = 1500;

interface SlowResult {
  /** From the connection to its close. */
  ms: number;
  /** What the server wrote before closing. */
  answer: string;
  /** How many bytes the client managed to send. */
  sent: number;
}

/**
 * A client that sends `prefix` at once, then `rest` one byte every `stepMs`: far slower
 * than any timeout. Resolves when the server closes the connection; gives up (and fails
 * the test) after `giveUpMs`.
 */
function slowClient(
  port: number,
  prefix: string,
  rest: string,
  stepMs: number,
  giveUpMs = 15_000,
): Promise<SlowResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept a slow client for ${giveUpMs} ms (${sent} bytes sent)`));
    }, giveUpMs);
    socket.on('connect', () => {
      if (prefix !== '') socket.write(prefix);
      sent = prefix.length;
      timer = setInterval(() => {
        if (sent - prefix.length < rest.length && socket.writable) {
          socket.write(rest[sent - prefix.length]!);
          sent += 1;
        }
      }, stepMs);
    });
    socket.on('data', (data) => (answer += data.toString()));
    // EPIPE/ECONNRESET while writing into a connection the server closed: the close decides.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ ms: Date.now() - started, answer, sent });
    });
  });
}

/** The raw HTTP/1.1 request text of a signed delivery: its head and its body. */
function rawDelivery(sha: string, id: string, event = 'push'): { head: string; body: string } {
  const payload = event === 'ping' ? { zen: 'Design for failure.' } : pushPayload({ after: sha });
  const { headers, body } = signedDelivery(payload, { secret: LIVE_SECRET, id, event });
  const lines = Object.entries({ host: '127.0.0.1', ...headers, 'content-length': String(Buffer.byteLength(body)) });
  return { head: `POST /github HTTP/1.1\r\n${lines.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`, body };
}

/**
 * A client that sends one whole request on a keep-alive connection, reads its answer, then
 * trickles the next request's bytes. `ms` counts from the start of the second request.
 */
function keepAliveThenSlow(port: number, first: string, second: string, stepMs: number): Promise<SlowResult> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(first));
    let answer = '';
    let secondStarted = 0;
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error('the server kept a slow keep-alive client for 15 s'));
    }, 15_000);
    socket.on('data', (data) => {
      answer += data.toString();
      if (secondStarted === 0 && answer.includes('"status":"pong"')) {
        if (!answer.startsWith('HTTP/1.1 200 OK\r\n')) reject(new Error(`the first request got ${answer}`));
        answer = '';
        secondStarted = Date.now();
        timer = setInterval(() => {
          if (sent < second.length && socket.writable) socket.write(second[sent++]!);
        }, stepMs);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      if (secondStarted === 0) reject(new Error(`closed before answering the first request: ${answer}`));
      else resolve({ ms: Date.now() - secondStarted, answer, sent });
    });
  });
}

/** Node's answer to a client past its timeout: 408 and the connection closed, or (mid-write) just the close. */
function expectTimedOut(result: SlowResult, timeoutMs: number, total: number): void {
  expect(result.ms).toBeGreaterThanOrEqual(timeoutMs - 50);
  expect(result.ms).toBeLessThan(timeoutMs + SLACK_MS);
  expect(result.sent).toBeLessThan(total);
  if (result.answer !== '') expect(result.answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
}

describe('slow clients are disconnected at HEADERS_TIMEOUT / REQUEST_TIMEOUT; others are served meanwhile', () => {
  const lives = livePerTest();

  it(
    'headers sent byte by byte, a body slower than the request timeout, and idle connections',
    async () => {
      const fixture = await lives.fixture();
      const service = await lives.start(fixture, {
        HEADERS_TIMEOUT: String(HEADERS_TIMEOUT_MS / 1000),
        REQUEST_TIMEOUT: String(REQUEST_TIMEOUT_MS / 1000),
      });
      const sha = await fixture.commitAndPush();

      // 8 clients trickling their headers (a request head of ~500 bytes at 20 bytes/s would
      // take 25 s), 4 sending a signed body at 20 bytes/s, 100 that connect and say nothing,
      // 2 that trickle their second request on a keep-alive connection.
      const slowHeaders = Array.from({ length: 8 }, (_, i) => rawDelivery(sha, `slow-headers-${i}`));
      const slowBodies = Array.from({ length: 4 }, (_, i) => rawDelivery(sha, `slow-body-${i}`));
      const slow = [
        ...slowHeaders.map(async ({ head, body }) =>
          expectTimedOut(await slowClient(service.port, '', head + body, 50), HEADERS_TIMEOUT_MS, (head + body).length),
        ),
        ...slowBodies.map(async ({ head, body }) =>
          expectTimedOut(await slowClient(service.port, head, body, 50), REQUEST_TIMEOUT_MS, (head + body).length),
        ),
        ...Array.from({ length: 100 }, async () =>
          expectTimedOut(await slowClient(service.port, '', '', 50), HEADERS_TIMEOUT_MS, 1),
        ),
        // A ping answered on a keep-alive connection, then the next request trickled: the
        // header timeout counts again for each request.
        ...Array.from({ length: 2 }, async (_, i) => {
          const ping = rawDelivery(sha, `keep-alive-ping-${i}`, 'ping');
          const next = rawDelivery(sha, `slow-after-keep-alive-${i}`);
          const result = await keepAliveThenSlow(service.port, ping.head + ping.body, next.head + next.body, 50);
          expectTimedOut(result, HEADERS_TIMEOUT_MS, (next.head + next.body).length);
        }),
      ];

      // Meanwhile, a normal signed delivery every 100 ms for 3 s: each answered at once.
      const normal: Exchange[] = [];
      for (let i = 0; i < 30; i += 1) {
        normal.push(await service.deliverPush(sha, `normal-${i}`, { timeoutMs: 5000 }));
        await new Promise((done) => setTimeout(done, 100));
      }
      await Promise.all(slow);

      for (const exchange of normal) {
        expect(exchange).toMatchObject({ answered: true, status: 202 });
        expect(exchange.ms).toBeLessThan(1000);
      }
      expect((await service.health()).status).toBe(200);
      expect(service.alive).toBe(true);

      // Nothing of the slow clients reached the journal or a deployment.
      const journal = await service.deliveries();
      expect(journal.map((record) => record.id).filter((id) => id.startsWith('slow-'))).toEqual([]);
      expect(journal.filter((record) => record.outcome === 'queued')).toHaveLength(normal.length);
      const deployments = await service.settled(1);
      expect(deployments.flatMap((d) => d.deliveries).filter((id) => id.startsWith('slow-'))).toEqual([]);
      expect(await fixture.deployHead()).toBe(sha);
      expect(service.service.text()).not.toMatch(/unhandled/i);
    },
    TEST_TIMEOUT,
  );

  it(
    'a request that finishes just within REQUEST_TIMEOUT is served: the timeout bounds the request, not each byte',
    async () => {
      const fixture = await lives.fixture();
      const live = await lives.start(fixture, { HEADERS_TIMEOUT: '1', REQUEST_TIMEOUT: '3' });
      const sha = await fixture.commitAndPush();
      const { head, body } = rawDelivery(sha, 'slow-but-in-time');
      // The head at once, then the body in 10 pieces over about 1.5 s.
      const result = await new Promise<string>((resolve) => {
        const socket = connect(live.port, '127.0.0.1', () => {
          socket.write(head);
          const step = Math.ceil(body.length / 10);
          let offset = 0;
          const timer = setInterval(() => {
            socket.write(body.slice(offset, offset + step));
            offset += step;
            if (offset >= body.length) clearInterval(timer);
          }, 150);
        });
        let answer = '';
        socket.on('data', (data) => {
          answer += data.toString();
          if (answer.includes('\r\n\r\n')) socket.end();
        });
        socket.on('close', () => resolve(answer));
      });
      expect(result).toMatch(/^HTTP\/1\.1 202 /);
      const [deployment] = await live.settled(1);
      expect(deployment).toMatchObject({ status: 'succeeded', deliveries: ['slow-but-in-time'], headAfter: sha });
    },
    TEST_TIMEOUT,
  );

  it(
    'createApp() gives the HTTP server the configured timeouts (20 s and 60 s by default), checked every second or sooner',
    async () => {
      const defaults = await TestApp.start();
      try {
        expect(defaults.server).toMatchObject({
          headersTimeout: 20_000,
          requestTimeout: 60_000,
          connectionsCheckingInterval: 1000,
        });
      } finally {
        await defaults.close();
      }
      const short = await TestApp.start({ env: { HEADERS_TIMEOUT: '0.5', REQUEST_TIMEOUT: '1.5' } });
      try {
        expect(short.server).toMatchObject({
          headersTimeout: 500,
          requestTimeout: 1500,
          connectionsCheckingInterval: 125,
        });
      } finally {
        await short.close();
      }
    },
    TEST_TIMEOUT,
  );

  it(
    'a HEADERS_TIMEOUT above REQUEST_TIMEOUT stops the boot with one line',
    async () => {
      const fixture = await lives.fixture();
      const service = ServiceProcess.start(
        {
          GITHUB_SECRET: LIVE_SECRET,
          REPO_PATH: fixture.deploy,
          HEADERS_TIMEOUT: '30',
          REQUEST_TIMEOUT: '10',
        },
        fixture.root,
      );
      try {
        expect(await service.exitCode()).toBe(1);
        expect(service.output).toEqual([
          'hookdeploy: invalid configuration: HEADERS_TIMEOUT must not be greater than REQUEST_TIMEOUT, which includes the headers (got 30 and 10)',
        ]);
      } finally {
        service.stop();
      }
    },
    TEST_TIMEOUT,
  );
});
