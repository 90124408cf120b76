import { describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Deployment } from '../../src/domain/deployment.js';
import { pushPayload, signedDelivery } from '../fixtures/deliveries.js';
import { git, type GitFixture } from '../fixtures/git-fixture.js';
import { LIVE_SECRET, workTreeState, type Exchange } from '../fixtures/live-service.js';
import { livePerTest } from '../fixtures/live-per-test.js';
import { gone, pidFrom } from '../fixtures/processes.js';
import { waitFor } from '../fixtures/wait.js';

const TEST_TIMEOUT = 90_000;
const COMMITS = 30;
const SENDERS = 6;
/** Enough to be well into the stream; the journal read back holds up to 500. */
const MIN_ANSWERED_BEFORE_KILL = 20;
const MAX_DELIVERIES = 400;

interface Sent {
  id: string;
  sha: string;
  exchange: Exchange;
}

/**
 * Where the running deploy is when the process dies. Each phase takes 0.1 s, and while the
 * file `freeze` exists, the next one to start stops there, saying so in `frozen`: the test
 * kills the process exactly then, with deliveries still arriving.
 */
interface Phase {
  name: string;
  setUp(fixture: GitFixture, freeze: string, frozen: string): Promise<Record<string, string>>;
}

const pause = (freeze: string, frozen: string): string =>
  `if [ -e "${freeze}" ]; then touch "${frozen}"; while [ -e "${freeze}" ]; do sleep 0.02; done; fi; sleep 0.1`;

const PHASES: Phase[] = [
  {
    name: 'the deploy command',
    setUp: async (_fixture, freeze, frozen) => ({ DEPLOY_COMMAND: pause(freeze, frozen) }),
  },
  {
    name: 'the git fetch',
    setUp: async (fixture, freeze, frozen) => {
      const uploadPack = join(fixture.root, 'slow-upload-pack.sh');
      await writeFile(uploadPack, `#!/bin/sh\n${pause(freeze, frozen)}\nexec git upload-pack "$@"\n`);
      await chmod(uploadPack, 0o755);
      await git(fixture.deploy, 'config', 'remote.origin.uploadpack', uploadPack);
      return {};
    },
  },
];

/**
 * Opens a connection and sends a signed delivery's head and half its body, then nothing:
 * a request certainly in flight when the process dies. Resolves with whatever came back.
 */
function halfSent(port: number, sha: string, id: string): { sent: Promise<void>; closed: Promise<string> } {
  const { headers, body } = signedDelivery(pushPayload({ after: sha }), { secret: LIVE_SECRET, id });
  const head = Object.entries({ host: '127.0.0.1', ...headers, 'content-length': String(Buffer.byteLength(body)) })
    .map(([name, value]) => `${name}: ${value}`)
    .join('\r\n');
  const socket = connect(port, '127.0.0.1');
  let answer = '';
  socket.on('data', (data) => (answer += data.toString()));
  socket.on('error', () => undefined);
  return {
    sent: new Promise((done) =>
      socket.once('connect', () =>
        socket.write(`POST /github HTTP/1.1\r\n${head}\r\n\r\n${body.slice(0, 100)}`, () => done()),
      ),
    ),
    closed: new Promise((done) => socket.once('close', () => done(answer))),
  };
}

describe('SIGKILL while deliveries are still arriving, then a restart on the same DATA_DIR', () => {
  const lives = livePerTest();

  it.each(PHASES.map((phase) => [phase.name, phase] as const))(
    'killed during %s: every delivery answered 202 ends deployed, none is lost',
    async (_name, phase) => {
      const f = await lives.fixture();
      const [freeze, frozen] = [join(f.root, 'freeze'), join(f.root, 'frozen')];
      const service = await lives.start(f, await phase.setUp(f, freeze, frozen));
      const shas: string[] = [];
      for (let i = 1; i <= COMMITS; i += 1) shas.push(await f.commit(`stream ${i}`));
      await f.push();

      // SENDERS connections, each sending signed pushes back to back, oldest commit first.
      const sent: Sent[] = [];
      let next = 0;
      let killed = false;
      const sender = async (): Promise<void> => {
        while (!killed && next < MAX_DELIVERIES) {
          const n = next++;
          const sha = shas[Math.min(Math.floor(n / 4), COMMITS - 1)]!;
          const id = `stream-${n}`;
          const record: Sent = { id, sha, exchange: { answered: false, error: 'pending', ms: 0 } };
          sent.push(record);
          record.exchange = await service.deliverPush(sha, id, { timeoutMs: 10_000 });
          if (!record.exchange.answered) return;
        }
      };
      const senders = Array.from({ length: SENDERS }, sender);

      // Once the stream is well under way, the next deploy stops in the phase; then the kill.
      const accepted = (): number => sent.filter((s) => s.exchange.answered && s.exchange.status === 202).length;
      await waitFor(
        `${MIN_ANSWERED_BEFORE_KILL} deliveries answered`,
        () => accepted() >= MIN_ANSWERED_BEFORE_KILL,
        20_000,
      );
      await writeFile(freeze, '');
      // A commit none of the deployments so far can have fetched: the next one must fetch
      // (and, in the fetch phase, stop there), whatever the earlier fetches brought.
      const extra: Sent = {
        id: 'pushed-mid-stream',
        sha: await f.commitAndPush('pushed mid-stream'),
        exchange: { answered: false, error: 'pending', ms: 0 },
      };
      shas.push(extra.sha);
      sent.push(extra);
      const extraSent = service.deliverPush(extra.sha, extra.id, { timeoutMs: 10_000 }).then((exchange) => {
        extra.exchange = exchange;
      });
      await waitFor(`a deploy in ${phase.name}`, () => existsSync(frozen), 20_000);
      const half = halfSent(service.port, shas.at(-1)!, 'half-sent');
      await half.sent;
      await service.crash();
      await rm(freeze);
      killed = true;
      await Promise.all([...senders, extraSent]);
      expect(await half.closed).toBe('');

      const answered = sent.filter((s) => s.exchange.answered);
      const unanswered = sent.filter((s) => !s.exchange.answered);
      // Every answer before the kill was a 202; at least one request was cut off in flight.
      for (const s of answered) expect(s.exchange).toMatchObject({ status: 202, body: { status: 'queued' } });
      expect(answered.length).toBeGreaterThanOrEqual(MIN_ANSWERED_BEFORE_KILL);
      expect(unanswered.length).toBeGreaterThanOrEqual(1);

      await service.start();
      await service.settled(1, 30_000);
      const journalBefore = await service.deliveries();
      const recordedIds = new Set(journalBefore.filter((r) => r.outcome === 'queued').map((r) => r.id));

      // GitHub redelivers what got no answer (same X-GitHub-Delivery): recorded ones are
      // duplicates, the others are accepted now.
      const redelivered = [...unanswered.map(({ id, sha }) => ({ id, sha })), { id: 'half-sent', sha: shas.at(-1)! }];
      for (const s of redelivered) {
        const again = await service.deliverPush(s.sha, s.id);
        expect(again).toMatchObject({ answered: true });
        const body = (again as { body: { status: string } }).body;
        expect(body.status).toBe(recordedIds.has(s.id) ? 'duplicate' : 'queued');
      }
      const deployments = await service.settled(1, 30_000);
      const journal = await service.deliveries();
      expect(journal.length).toBeLessThan(500);
      const byId = new Map<number, Deployment>(deployments.map((d) => [d.id, d]));

      /** Deployed: its deployment succeeded with HEAD containing the sha, or a later success covers it. */
      const expectCovered = async (id: string, sha: string, deploymentId: number): Promise<void> => {
        const own = byId.get(deploymentId);
        expect(own?.deliveries).toContain(id);
        const covering = deployments.filter((d) => d.id >= deploymentId && d.status === 'succeeded');
        const covered = await Promise.all(covering.map((d) => service.contains(d.headAfter!, sha)));
        if (!covered.includes(true)) {
          const summary = deployments.map(
            (d) => `${d.id} ${d.trigger} ${d.status} ${d.error ?? ''} ${d.headAfter?.slice(0, 7)}`,
          );
          throw new Error(
            `delivery ${id} (${sha}) of deployment ${deploymentId} was never deployed; deployments:\n${summary.join('\n')}\n` +
              `the service's last lines:\n${service.tail(30)}`,
          );
        }
      };

      // Every delivery answered 202 before the kill is in the journal as it was answered, and deployed.
      for (const s of answered) {
        const body = (s.exchange as { body: { deploymentId: number } }).body;
        expect(journal).toContainEqual(
          expect.objectContaining({ id: s.id, outcome: 'queued', deploymentId: body.deploymentId }),
        );
        await expectCovered(s.id, s.sha, body.deploymentId);
      }
      // So is every delivery the journal holds as queued: those answered before the kill,
      // those recorded whose answer the kill cut off, and the redelivered ones.
      const sha = new Map([...sent, ...redelivered].map((s) => [s.id, s.sha]));
      for (const record of journal.filter((r) => r.outcome === 'queued')) {
        await expectCovered(record.id, sha.get(record.id)!, record.deploymentId!);
      }
      for (const s of redelivered) {
        expect(journal.some((r) => r.id === s.id && r.outcome === 'queued')).toBe(true);
      }
      // Nothing queued twice: one queued record per delivery id.
      const queuedIds = journal.filter((r) => r.outcome === 'queued').map((r) => r.id);
      expect(new Set(queuedIds).size).toBe(queuedIds.length);

      expect(await workTreeState(f)).toEqual({ head: shas.at(-1), branch: f.branch, status: '' });
      expect(deployments.every((d) => d.status === 'succeeded' || d.error === 'interrupted')).toBe(true);
    },
    TEST_TIMEOUT,
  );

  // git checks the pushed commit's files out in path order, then writes the index, then moves
  // HEAD. Killed in between, it leaves the files it wrote untracked (the index does not know
  // them) under the old HEAD: every later pull refuses to overwrite them, unless the recovery
  // removes them. The operator's own untracked files must survive that.
  it(
    'killed in the middle of the checkout (new files written, index and HEAD not yet): the recovery deployment deploys',
    async () => {
      const f = await lives.fixture();
      const [hold, once, pidFile] = [join(f.root, 'hold'), join(f.root, 'filter-ran'), join(f.root, 'filter.pid')];
      // A smudge filter on the last file of the commit hangs the first time it runs: the
      // files before it are written by then, the index and HEAD are not.
      const filter = join(f.root, 'hold-filter.sh');
      await writeFile(
        filter,
        `#!/bin/sh\nif [ ! -e "${once}" ]; then : > "${once}"; echo $$ > "${pidFile}"; ` +
          `while [ -e "${hold}" ]; do sleep 0.05; done; fi\nexec cat\n`,
      );
      await chmod(filter, 0o755);
      await git(f.deploy, 'config', 'filter.hold.smudge', filter);
      await git(f.deploy, 'config', 'filter.hold.clean', 'cat');
      await writeFile(join(f.deploy, '.git', 'info', 'attributes'), 'z-last.txt filter=hold\n');
      await writeFile(join(f.deploy, 'operator-notes.txt'), 'not in git, not to be touched\n');
      await writeFile(hold, '');
      const service = await lives.start(f);
      const before = await f.deployHead();

      const sha = await f.commitAndPush('three new files', {
        'a-first.txt': 'a\n',
        'b-second.txt': 'b\n',
        'z-last.txt': 'z\n',
      });
      expect(await service.deliverPush(sha, 'killed-mid-checkout')).toMatchObject({ answered: true, status: 202 });
      const filterPid = await pidFrom(pidFile, 'the checkout is under way');
      expect(await f.deployHead()).toBe(before);
      expect(await git(f.deploy, 'status', '--porcelain')).toMatch(/^\?\? a-first\.txt$/m);

      await service.crash();
      await service.start();
      // The recovery ends the hung checkout before anything else touches the work tree.
      await waitFor('the hung checkout is killed', () => gone(filterPid), 20_000);
      await rm(hold);

      const [recovery, interrupted] = await service.settled(2);
      expect(interrupted).toMatchObject({ id: 1, status: 'failed', error: 'interrupted' });
      expect(recovery).toMatchObject({ id: 2, trigger: 'recovery', error: null, status: 'succeeded', headAfter: sha });
      expect(await workTreeState(f)).toEqual({ head: sha, branch: f.branch, status: '?? operator-notes.txt' });
      expect(await readFile(join(f.deploy, 'operator-notes.txt'), 'utf8')).toBe('not in git, not to be touched\n');

      // And the pushes after it deploy too.
      const next = await f.commitAndPush('after the recovery');
      expect(await service.deliverPush(next, 'after-recovery')).toMatchObject({ answered: true, status: 202 });
      expect((await service.settled(3))[0]).toMatchObject({ id: 3, status: 'succeeded', headAfter: next });
    },
    TEST_TIMEOUT,
  );
});
