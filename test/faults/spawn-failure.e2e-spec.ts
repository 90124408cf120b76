import { afterEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { pushPayload, signedDelivery } from '../fixtures/deliveries.js';
import { LIVE_SECRET } from '../fixtures/live-service.js';
import { livePerTest } from '../fixtures/live-per-test.js';
import { waitFor } from '../fixtures/wait.js';

const TEST_TIMEOUT = 90_000;
/** The service's open-file limit in the EMFILE test: its own files, and room for a few dozen connections. */
const FILE_LIMIT = 96;
/** Idle connections must not be cut off by the header timeout while the test holds them. */
const PATIENT = { HEADERS_TIMEOUT: '300', REQUEST_TIMEOUT: '300' };

function openFiles(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** A connection that sends nothing; resolves once connected (`socket.closed` then tells whether it was ended). */
function idleConnection(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** A signed push sent on a keep-alive connection that stays open; resolves with the answer's status line. */
function pushKeepingTheConnection(port: number, sha: string, id: string): Promise<{ status: string; socket: Socket }> {
  const { headers, body } = signedDelivery(pushPayload({ after: sha }), { secret: LIVE_SECRET, id });
  const lines = Object.entries({
    host: '127.0.0.1',
    connection: 'keep-alive',
    ...headers,
    'content-length': String(Buffer.byteLength(body)),
  });
  const request = `POST /github HTTP/1.1\r\n${lines.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let answer = '';
    socket.on('data', (data) => {
      answer += data.toString();
      if (answer.includes('\r\n\r\n')) resolve({ status: answer.slice(0, answer.indexOf('\r\n')), socket });
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed before an answer: ${answer}`)));
  });
}

describe('a process that cannot start fails its deployment, and nothing else', () => {
  const sockets: Socket[] = [];
  // Before livePerTest's afterEach: the connections go before the service.
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.destroy();
  });
  const lives = livePerTest();

  it(
    'at the open-file limit (idle connections) git cannot start: the deployment fails naming EMFILE, the service lives, the next push deploys',
    async () => {
      const fixture = await lives.fixture();
      const live = await lives.start(fixture, PATIENT);
      const pid = live.service.child.pid!;
      // The limit an operator sets with LimitNOFILE= or ulimit -n, lowered on the running process.
      execFileSync('prlimit', [`--pid=${pid}`, `--nofile=${FILE_LIMIT}:${FILE_LIMIT}`]);
      expect(openFiles(pid)).toBeLessThan(FILE_LIMIT - 20);

      // More idle connections than the limit allows: the service takes what it can and
      // closes the rest at once (libuv's answer to EMFILE on accept).
      for (let i = 0; i < FILE_LIMIT; i += 1) sockets.push(await idleConnection(live.port));
      await waitFor('the connections beyond the limit are closed', () => sockets.some((socket) => socket.closed));
      const atLimit = openFiles(pid);
      expect(live.alive).toBe(true);

      // Two files freed: one for the push's connection, one for the fsync of the database's
      // WAL that records it (else the push is answered 503, and nothing runs). A git process
      // needs more: its pipes.
      for (const socket of sockets.filter((held) => !held.closed).slice(0, 2)) socket.destroy();
      await waitFor('two files are free', () => openFiles(pid) === atLimit - 2);
      const first = await fixture.commitAndPush('pushed at the limit');
      const push = await pushKeepingTheConnection(live.port, first, 'at-the-limit');
      sockets.push(push.socket);
      expect(push.status).toBe('HTTP/1.1 202 Accepted');
      await live.service.waitForLine(/deployment 1 .*failed: .*EMFILE/);
      expect(live.alive).toBe(true);

      // The connections go: the same process records the failure and deploys the next push.
      for (const socket of sockets.splice(0)) socket.destroy();
      await waitFor('the connections are closed', () => openFiles(pid) < atLimit - 20);
      const [failed] = await live.settled(1);
      expect(failed).toMatchObject({ id: 1, status: 'failed' });
      expect(failed!.error).toMatch(/could not start git: spawn git EMFILE/);
      expect(await fixture.deployHead()).not.toBe(first);

      const second = await fixture.commitAndPush('pushed after the flood');
      const answer = await live.deliverPush(second, 'after-the-limit');
      expect(answer).toMatchObject({ answered: true, status: 202 });
      const [deployed] = await live.settled(2);
      expect(deployed).toMatchObject({ id: 2, status: 'succeeded', headAfter: second });
      expect(await fixture.deployHead()).toBe(second);
      expect(live.started).toHaveLength(1);
      expect(live.alive).toBe(true);
    },
    TEST_TIMEOUT,
  );
});

describe('MAX_CONNECTIONS', () => {
  const sockets: Socket[] = [];
  // Before livePerTest's afterEach: the connections go before the service.
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.destroy();
  });
  const lives = livePerTest();

  it(
    'closes connections beyond the cap at once, logs it, stays up, and answers again below the cap',
    async () => {
      const service = await lives.start(await lives.fixture(), { ...PATIENT, MAX_CONNECTIONS: '8' });
      const pid = service.service.child.pid!;
      const before = openFiles(pid);
      for (let i = 0; i < 8; i += 1) sockets.push(await idleConnection(service.port));
      await waitFor('the service holds the 8 connections', () => openFiles(pid) === before + 8);

      const extra = await Promise.all([1, 2, 3].map(() => idleConnection(service.port)));
      sockets.push(...extra);
      await waitFor('the connections beyond the cap are closed', () => extra.every((socket) => socket.closed));
      const refused = await service.send({}, '', { path: '/health', method: 'GET', timeoutMs: 5000 });
      expect(refused).toMatchObject({ answered: false });
      await service.service.waitForLine(/closed a new connection at once: 8 connections are open \(MAX_CONNECTIONS\)/);
      expect(service.alive).toBe(true);
      expect(openFiles(pid)).toBe(before + 8);

      sockets[0]!.destroy();
      await waitFor('the service answers /health again', async () => {
        const health = await service.send({}, '', { path: '/health', method: 'GET', timeoutMs: 5000 });
        return health.answered && health.status === 200;
      });
      expect(service.alive).toBe(true);
    },
    TEST_TIMEOUT,
  );
});

describe('non-ASCII output', () => {
  const lives = livePerTest();

  it(
    'a deploy command printing 200,000 "€" is logged without a replacement character',
    async () => {
      const fixture = await lives.fixture();
      const script = "process.stdout.write('€'.repeat(200000)); process.stderr.write('😀'.repeat(50000))";
      const live = await lives.start(fixture, { DEPLOY_COMMAND: `"${process.execPath}" -e "${script}"` });
      const sha = await fixture.commitAndPush('euros');
      expect(await live.deliverPush(sha, 'euros')).toMatchObject({ answered: true, status: 202 });
      const [deployed] = await live.settled(1);
      expect(deployed).toMatchObject({ status: 'succeeded' });
      const log = deployed!.log ?? '';
      expect(log).not.toContain('\uFFFD');
      // The command line, logged before its output, names each character once.
      expect(log.match(/€/g)).toHaveLength(200_000 + 1);
      expect(log.match(/😀/gu)).toHaveLength(50_000 + 1);
    },
    TEST_TIMEOUT,
  );
});
