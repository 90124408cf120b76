import { describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PullStrategy } from '../../src/config/app-config.js';
import type { Deployment } from '../../src/domain/deployment.js';
import { git } from '../fixtures/git-fixture.js';
import { workTreeState, type Exchange } from '../fixtures/live-service.js';
import { livePerTest } from '../fixtures/live-per-test.js';
import { waitFor } from '../fixtures/wait.js';

const TEST_TIMEOUT = 60_000;

/** A deployment's error as an operator reads it: git's own words, naming the repository. */
function expectClearOriginError(deployment: Deployment, origin: string): void {
  expect(deployment.status).toBe('failed');
  const error = deployment.error ?? '';
  expect(error).toContain(origin);
  expect(error).toMatch(/does not appear to be a git repository|not found|could not read/i);
  expect(error).not.toMatch(/undefined|\[object |\bat \S+ \(.*:\d+:\d+\)|^\s+at /m);
}

function accepted(exchange: Exchange): { deploymentId: number; delivery: string } {
  if (!exchange.answered) throw new Error(`no answer: ${exchange.error}`);
  expect(exchange.status).toBe(202);
  return exchange.body as { deploymentId: number; delivery: string };
}

describe('the origin disappears (renamed) in the middle of a burst', () => {
  const lives = livePerTest();

  it.each<PullStrategy>(['rebase', 'ff-only', 'reset'])(
    '%s: the deployments without origin fail naming it, the service keeps answering, the push after its return deploys',
    async (strategy) => {
      const f = await lives.fixture();
      const hold = join(f.root, 'hold');
      const moved = `${f.origin}.moved`;
      await writeFile(hold, '');
      // The command holds the first deployment: the burst arrives while a deploy runs.
      const service = await lives.start(f, {
        PULL_STRATEGY: strategy,
        DEPLOY_COMMAND: `while [ -e "${hold}" ]; do sleep 0.05; done`,
      });

      const first = await f.commitAndPush('before the outage');
      const answers: Exchange[] = [await service.deliverPush(first, 'before-outage')];
      expect(accepted(answers[0]!).deploymentId).toBe(1);
      await waitFor('the first deployment runs its command', async () => (await f.deployHead()) === first);

      // A burst of 8 pushes; the origin is renamed away after the 4th delivery was sent.
      const burst: string[] = [];
      for (let i = 1; i <= 8; i += 1) burst.push(await f.commit(`burst ${i}`));
      await f.push();
      const sending: Promise<Exchange>[] = [];
      for (const [i, sha] of burst.entries()) {
        if (i === 4) await rename(f.origin, moved);
        sending.push(service.deliverPush(sha, `burst-${i + 1}`));
        await new Promise((done) => setTimeout(done, 10));
      }
      answers.push(...(await Promise.all(sending)));
      // Accepted like any push: the origin's absence only shows when git runs.
      const waiting = answers.slice(1).map(accepted);
      expect(new Set(waiting.map((a) => a.deploymentId))).toEqual(new Set([2]));

      await rm(hold);
      const [withoutOrigin] = await service.settled(2);
      expect(withoutOrigin!.id).toBe(2);
      expectClearOriginError(withoutOrigin!, f.origin);
      expect((await service.deployments()).find((d) => d.id === 1)).toMatchObject({
        status: 'succeeded',
        headAfter: first,
      });

      // Still serving: health, and a delivery during the outage, which fails the same way.
      expect(await service.health()).toEqual({
        status: 200,
        body: expect.objectContaining({ status: 'ok', head: first }),
      });
      const during = await service.deliverPush(burst.at(-1)!, 'during-outage');
      expect(accepted(during).deploymentId).toBe(3);
      answers.push(during);
      const [duringOutage] = await service.settled(3);
      expectClearOriginError(duringOutage!, f.origin);
      expect(service.alive).toBe(true);

      // Nothing half done in the work tree.
      expect(await workTreeState(f)).toEqual({ head: first, branch: f.branch, status: '' });
      for (const leftover of ['rebase-merge', 'rebase-apply', 'index.lock', 'HEAD.lock']) {
        expect(existsSync(join(f.deploy, '.git', leftover))).toBe(false);
      }

      // The origin comes back; the next push deploys everything.
      await rename(moved, f.origin);
      const after = await f.commitAndPush('after the outage');
      const back = await service.deliverPush(after, 'after-outage');
      expect(accepted(back).deploymentId).toBe(4);
      answers.push(back);
      const [recovered] = await service.settled(4);
      expect(recovered).toMatchObject({ id: 4, status: 'succeeded', headAfter: after, error: null });
      expect(await workTreeState(f)).toEqual({ head: after, branch: f.branch, status: '' });
      for (const sha of burst) expect(await service.contains(after, sha)).toBe(true);

      // Every delivery answered 202 is in the journal, against the deployment it was told.
      const journal = await service.deliveries();
      for (const answer of answers) {
        const { delivery, deploymentId } = accepted(answer);
        expect(journal).toContainEqual(expect.objectContaining({ id: delivery, outcome: 'queued', deploymentId }));
      }
      expect(journal.filter((record) => record.outcome === 'queued')).toHaveLength(answers.length);
    },
    TEST_TIMEOUT,
  );

  it(
    'renamed while deliveries stream in and deploys run back to back: every deployment either reached its commit or failed naming the origin',
    async () => {
      const f = await lives.fixture();
      const moved = `${f.origin}.moved`;
      const service = await lives.start(f, { DEPLOY_COMMAND: 'sleep 0.1' });

      const shas: string[] = [];
      for (let i = 1; i <= 15; i += 1) shas.push(await f.commit(`stream ${i}`));
      await f.push();
      const answers: Exchange[] = [];
      let renamedAt = -1;
      for (let i = 0; i < 30; i += 1) {
        answers.push(await service.deliverPush(shas[i]!, `stream-${i + 1}`, { timeoutMs: 5000 }));
        if (i === 14) {
          // Mid-stream, while a deployment is running or waiting. The next commits reach the
          // moved origin only: the deployments for them must fetch, and cannot. (A deployment
          // whose commit an earlier fetch already brought needs no origin, and succeeds.)
          await rename(f.origin, moved);
          renamedAt = (await service.deployments()).length;
          for (let j = 16; j <= 30; j += 1) shas.push(await f.commit(`stream ${j}`));
          await git(f.dev, 'push', '--quiet', moved, `HEAD:refs/heads/${f.branch}`);
        }
        await new Promise((done) => setTimeout(done, 15));
      }
      for (const answer of answers) accepted(answer);
      const list = await service.settled(1);
      expect(renamedAt).toBeGreaterThan(0);

      // Some deployment ran after the rename and failed; none hangs, none lies.
      const failed = list.filter((d) => d.status === 'failed');
      expect(failed.length).toBeGreaterThan(0);
      for (const deployment of list) {
        if (deployment.status === 'succeeded') {
          expect(await service.contains(deployment.headAfter!, deployment.requestedSha!)).toBe(true);
        } else {
          expectClearOriginError(deployment, f.origin);
        }
      }
      expect((await workTreeState(f)).status).toBe('');
      expect(service.alive).toBe(true);

      await rename(moved, f.origin);
      const after = await f.commitAndPush('after the outage');
      const id = accepted(await service.deliverPush(after, 'after-outage')).deploymentId;
      expect((await service.settled(1))[0]).toMatchObject({ id, status: 'succeeded', headAfter: after });
      expect(await f.deployHead()).toBe(after);

      const journal = await service.deliveries();
      const ids = new Set(journal.filter((r) => r.outcome === 'queued').map((r) => r.id));
      for (let i = 1; i <= 30; i += 1) expect(ids.has(`stream-${i}`)).toBe(true);
    },
    TEST_TIMEOUT,
  );
});
