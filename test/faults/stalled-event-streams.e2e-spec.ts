import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { readServerSentEvents, type ServerSentEvent } from '../fixtures/event-stream-client.js';
import { LIVE_ADMIN_TOKEN } from '../fixtures/live-service.js';
import { livePerTest } from '../fixtures/live-per-test.js';
import { waitFor } from '../fixtures/wait.js';

const TEST_TIMEOUT = 120_000;
const MB = 1_000_000;
/** What the deploy command prints: far more than the service may hold for readers that stopped. */
const PRINTED_MB = 120;
const STALLED_READERS = 4;
/**
 * Measured on the built service: streaming the 120 MB to one reader that reads grows the
 * peak RSS by about 100 MB (garbage between collections); each stalled reader added all of
 * it before the fix (+520 MB for four), about 1 MiB after (+105 MB for four).
 */
const RSS_GROWTH_BOUND_MB = 200;

/** Resident memory of a process, in MB: `VmRSS`, or `VmHWM` (its peak so far). */
function memoryMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no ${field} for ${pid}`);
  return Number(match[1]) / 1000;
}

/**
 * A reader of GET /deployments/:id/events that counts instead of keeping: the log's length,
 * its last bytes, and the status events. `stall()` stops reading from the socket, as a
 * suspended laptop does; `resume()` reads on.
 */
class EventReader {
  logBytes = 0;
  logTail = '';
  readonly statuses: string[] = [];
  status = 0;
  /** Settles when the server ends the response or the connection closes. */
  readonly closed: Promise<void>;
  private res: IncomingMessage | undefined;
  private readonly opened: Promise<void>;

  constructor(port: number, deploymentId: number) {
    let opened: () => void = () => undefined;
    this.opened = new Promise((done) => (opened = done));
    this.closed = new Promise((done) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: `/deployments/${deploymentId}/events`,
          headers: { authorization: `Bearer ${LIVE_ADMIN_TOKEN}` },
          agent: false,
        },
        (res) => {
          this.res = res;
          this.status = res.statusCode ?? 0;
          readServerSentEvents(res, (event) => this.count(event));
          res.on('close', () => done());
          opened();
        },
      );
      req.on('error', () => done());
      req.end();
    });
  }

  async stall(): Promise<void> {
    await this.opened;
    this.res!.pause();
  }

  resume(): void {
    this.res?.resume();
  }

  /** Counts the two events the service sends. */
  private count({ event, data }: ServerSentEvent): void {
    if (event === 'status') this.statuses.push((JSON.parse(data) as { status: string }).status);
    if (event === 'log') {
      this.logBytes += data.length;
      this.logTail = (this.logTail + data).slice(-4096);
    }
  }
}

describe('event streams whose readers stopped reading', () => {
  const lives = livePerTest();

  it(
    'are closed once they fall behind, so the service stays small, the deploy succeeds and a reader that reads gets everything',
    async () => {
      const fixture = await lives.fixture();
      const release = join(fixture.root, 'release');
      const piece = join(fixture.root, 'piece');
      // One MB of 1000-byte lines, printed PRINTED_MB times with a pause between: a chatty
      // build, not a flood, so that the reader that does read is never the one behind.
      await writeFile(piece, `${'x'.repeat(999)}\n`.repeat(MB / 1000));
      const command =
        `while [ ! -e "${release}" ]; do sleep 0.05; done; ` +
        `i=0; while [ $i -lt ${PRINTED_MB} ]; do cat "${piece}"; sleep 0.03; i=$((i+1)); done; echo printed-all`;
      const live = await lives.start(fixture, { DEPLOY_COMMAND: command, LOG_LEVEL: 'info' });
      const pid = live.service.child.pid!;

      const push = await live.deliverPush(await fixture.commitAndPush(), 'stalled-readers');
      expect(push).toMatchObject({ answered: true, status: 202 });
      const id = (push as { body: { deploymentId: number } }).body.deploymentId;
      await waitFor('the deploy runs', async () =>
        (await live.deployments()).some((d) => d.id === id && d.status === 'running'),
      );

      const stalled = Array.from({ length: STALLED_READERS }, () => new EventReader(live.port, id));
      await Promise.all(stalled.map((reader) => reader.stall()));
      const reader = new EventReader(live.port, id);
      await waitFor('the reader caught up', () => reader.statuses.length > 0);
      const before = memoryMb(pid, 'VmRSS');

      await writeFile(release, '');
      const [deployment] = await live.settled(1, 90_000);
      const peak = memoryMb(pid, 'VmHWM');

      expect(deployment).toMatchObject({ id, status: 'succeeded' });
      expect(peak - before).toBeLessThan(RSS_GROWTH_BOUND_MB);

      // The reader that read got the whole output and the end, and was not cut off.
      await reader.closed;
      expect(reader.logBytes).toBeGreaterThan(PRINTED_MB * MB);
      expect(reader.logTail).toMatch(/printed-all\n$/);
      expect(reader.statuses.at(-1)).toBe('succeeded');

      // The stalled ones, once they read again, find the service closed them early.
      for (const stalledReader of stalled) stalledReader.resume();
      await Promise.all(stalled.map((stalledReader) => stalledReader.closed));
      for (const stalledReader of stalled) {
        expect(stalledReader.status).toBe(200);
        expect(stalledReader.logBytes).toBeLessThan(PRINTED_MB * MB);
        expect(stalledReader.statuses).not.toContain('succeeded');
      }
      expect(live.service.text()).toMatch(/event stream of deployment \d+ closed: its reader fell behind/);
      const metrics = await (await fetch(`http://127.0.0.1:${live.port}/metrics`)).text();
      expect(metrics).toMatch(new RegExp(`^hookdeploy_event_streams_fell_behind_total ${STALLED_READERS}$`, 'm'));
      expect(metrics).toMatch(/^hookdeploy_event_streams_open 0$/m);
    },
    TEST_TIMEOUT,
  );
});
