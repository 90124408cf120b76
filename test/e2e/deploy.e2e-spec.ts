import { afterEach, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PING_EXAMPLE } from '../fixtures/deliveries.js';
import { git } from '../fixtures/git-fixture.js';
import { isAlive, waitFor } from '../fixtures/wait.js';
import { TEST_SECRET, TestApp, type TestAppOptions } from '../fixtures/test-app.js';

describe('deploys', () => {
  let t: TestApp;
  const start = async (options: TestAppOptions = {}): Promise<TestApp> => (t = await TestApp.start(options));
  afterEach(async () => {
    // Failures log git's and the command's errors: none of them may carry the secret.
    expect(t.logs.text()).not.toContain(TEST_SECRET);
    await t?.close();
  });

  /** Pushes one commit, delivers it, waits for its deployment. */
  const pushAndDeploy = async (message?: string) => {
    const sha = await t.fixture.commitAndPush(message);
    const res = await t.deliverPush({ after: sha });
    expect(res.status).toBe(202);
    return { sha, deployment: await t.settled(res.body.deploymentId) };
  };

  describe('coalescing', () => {
    it('turns a burst of concurrent pushes into few deploys that end at the last commit', async () => {
      await start();
      const shas: string[] = [];
      for (let i = 0; i < 12; i += 1) shas.push(await t.fixture.commitAndPush(`burst ${i}`));
      const answers = await Promise.all(shas.map((sha, i) => t.deliverPush({ after: sha }, { id: `burst-${i}` })));

      expect(answers.map((res) => res.status)).toEqual(shas.map(() => 202));
      await t.settled(answers[0]!.body.deploymentId);
      const deployments = t.deployments();
      expect(deployments.length).toBeLessThanOrEqual(2);
      expect(deployments.every((d) => d.status === 'succeeded')).toBe(true);
      // Every accepted delivery is recorded against exactly one deployment.
      expect(deployments.flatMap((d) => d.deliveries).sort()).toEqual(shas.map((_, i) => `burst-${i}`).sort());
      expect(await t.fixture.deployHead()).toBe(shas.at(-1));
    }, 30_000);

    it('runs one deploy at a time: a push during a deploy waits for it and deploys the newest state', async () => {
      // A deploy command that holds the first deploy until the test releases it.
      await start({ env: { DEPLOY_COMMAND: 'while [ ! -e "$RELEASE_FILE" ]; do sleep 0.05; done' } });
      process.env.RELEASE_FILE = join(t.fixture.root, 'release');
      const first = await t.fixture.commitAndPush('first');
      const a = await t.deliverPush({ after: first });
      // The command runs once the work tree is at `first`: from here on, pushes must wait.
      await waitFor('the first deploy runs its command', async () => (await t.fixture.deployHead()) === first);
      expect(t.store.get(a.body.deploymentId)?.status).toBe('running');

      const second = await t.fixture.commitAndPush('second');
      const b = await t.deliverPush({ after: second });
      const third = await t.fixture.commitAndPush('third');
      const c = await t.deliverPush({ after: third });
      expect(b.body.deploymentId).not.toBe(a.body.deploymentId);
      expect(c.body.deploymentId).toBe(b.body.deploymentId);
      expect(t.store.get(b.body.deploymentId)).toMatchObject({ status: 'queued', requestedSha: third });

      await writeFile(process.env.RELEASE_FILE, '');
      const waiting = await t.settled(b.body.deploymentId);
      expect(t.store.get(a.body.deploymentId)).toMatchObject({ status: 'succeeded', headAfter: first });
      expect(waiting).toMatchObject({ status: 'succeeded', headBefore: first, headAfter: third });
      expect(waiting.deliveries).toHaveLength(2);
      delete process.env.RELEASE_FILE;
    });
  });

  describe('a deployment that waited behind another', () => {
    const holdFirstDeploy = async () => {
      await start({ env: { DEPLOY_COMMAND: 'while [ ! -e "$RELEASE_FILE" ]; do sleep 0.05; done' } });
      process.env.RELEASE_FILE = join(t.fixture.root, 'release');
    };
    afterEach(() => {
      delete process.env.RELEASE_FILE;
    });

    it('does not fetch again when the fetch before it brought every commit its deliveries pushed', async () => {
      await holdFirstDeploy();
      const [one, two, three] = [
        await t.fixture.commit('one'),
        await t.fixture.commit('two'),
        await t.fixture.commit('three'),
      ];
      await t.fixture.push();
      const a = await t.deliverPush({ after: one });
      // The first deploy fetched the branch tip, `three`, and holds in its command.
      await waitFor('the first deploy runs its command', async () => (await t.fixture.deployHead()) === three);
      // Out of order, as concurrent deliveries may arrive: the waiting one targets `two`, the last received.
      const c = await t.deliverPush({ after: three });
      const b = await t.deliverPush({ after: two });
      expect(b.body.deploymentId).toBe(c.body.deploymentId);

      await writeFile(process.env.RELEASE_FILE!, '');
      const waiting = await t.settled(b.body.deploymentId);
      expect(t.store.get(a.body.deploymentId)).toMatchObject({ status: 'succeeded', headAfter: three });
      expect(waiting).toMatchObject({ status: 'succeeded', requestedSha: two, headBefore: three, headAfter: three });
      expect(waiting.log).toContain('already contains every pushed commit: nothing to fetch');
      expect(waiting.log).not.toContain(' fetch ');
    });

    it('fetches when one of its commits came after that fetch, even if the last one received did not', async () => {
      await holdFirstDeploy();
      const one = await t.fixture.commitAndPush('one');
      await t.deliverPush({ after: one });
      await waitFor('the first deploy runs its command', async () => (await t.fixture.deployHead()) === one);
      const later = await t.fixture.commitAndPush('pushed while the first deploy runs');
      const b = await t.deliverPush({ after: later });
      // A redelivered older push, received last: HEAD has it, but not `later`.
      const c = await t.deliverPush({ after: one });
      expect(c.body.deploymentId).toBe(b.body.deploymentId);

      await writeFile(process.env.RELEASE_FILE!, '');
      const waiting = await t.settled(b.body.deploymentId);
      expect(waiting).toMatchObject({ status: 'succeeded', requestedSha: one, headBefore: one, headAfter: later });
      expect(waiting.log).toContain(' fetch --no-tags origin');
      expect(await t.fixture.deployHead()).toBe(later);
    });
  });

  it('deploys a signed 20 MB push (parsed on a worker thread) while small deliveries keep being answered', async () => {
    await start();
    const sha = await t.fixture.commitAndPush();
    const headCommit = { id: sha, message: `a long commit message ${'x'.repeat(4000)}` };
    const commits = Array.from({ length: 5000 }, () => headCommit);
    const bigDelivery = t.deliverPush({ after: sha, extra: { commits } });
    const pings = Array.from({ length: 5 }, (_, i) =>
      t.deliver(PING_EXAMPLE, { event: 'ping', id: `ping-during-big-${i}` }),
    );
    expect((await Promise.all(pings)).map((res) => res.status)).toEqual([200, 200, 200, 200, 200]);
    const res = await bigDelivery;
    expect(res.status).toBe(202);
    expect(await t.settled(res.body.deploymentId)).toMatchObject({ status: 'succeeded', headAfter: sha });
  });

  describe('pull strategies', () => {
    it('rebase (default) fast-forwards to the pushed commit and logs it', async () => {
      await start();
      const { sha, deployment } = await pushAndDeploy();
      expect(deployment).toMatchObject({ status: 'succeeded', requestedSha: sha, headAfter: sha, error: null });
      expect(t.logs.text()).toContain(`Repository updated with commit ${sha.slice(0, 7)}`);
    });

    it('rebase keeps a local commit on top of the pushed one (the tutorial behaviour)', async () => {
      await start();
      await writeFile(join(t.fixture.deploy, 'local.txt'), 'local\n');
      await git(t.fixture.deploy, 'add', 'local.txt');
      await git(t.fixture.deploy, 'commit', '-q', '-m', 'local change');
      const { sha, deployment } = await pushAndDeploy();
      expect(deployment.status).toBe('succeeded');
      expect(await git(t.fixture.deploy, 'rev-parse', 'HEAD~1')).toBe(sha);
    });

    it('rebase fails cleanly on a conflict and leaves no rebase in progress', async () => {
      await start();
      await writeFile(join(t.fixture.deploy, 'shared.txt'), 'deploy side\n');
      await git(t.fixture.deploy, 'add', 'shared.txt');
      await git(t.fixture.deploy, 'commit', '-q', '-m', 'local edit');
      const localHead = await t.fixture.deployHead();
      const sha = await t.fixture.commitAndPush('conflicting', { 'shared.txt': 'origin side\n' });
      const res = await t.deliverPush({ after: sha });
      const deployment = await t.settled(res.body.deploymentId);
      expect(deployment.status).toBe('failed');
      expect(deployment.error).toMatch(/conflict|could not apply/i);
      expect(await t.fixture.deployHead()).toBe(localHead);
      expect(await git(t.fixture.deploy, 'status', '--porcelain')).toBe('');
      expect(existsSync(join(t.fixture.deploy, '.git', 'rebase-merge'))).toBe(false);
    });

    it('ff-only deploys a fast-forward and fails on a diverged work tree', async () => {
      await start({ env: { PULL_STRATEGY: 'ff-only' } });
      const { sha, deployment } = await pushAndDeploy();
      expect(deployment).toMatchObject({ status: 'succeeded', headAfter: sha });

      await git(t.fixture.deploy, 'commit', '-q', '--allow-empty', '-m', 'diverge');
      const diverged = await pushAndDeploy();
      expect(diverged.deployment.status).toBe('failed');
      expect(diverged.deployment.error).toMatch(/fast-forward|diverg/i);
    });

    it('reset follows a force-push and discards local edits', async () => {
      await start({ env: { PULL_STRATEGY: 'reset' } });
      const { sha: rewritten } = await pushAndDeploy('to be rewritten');
      expect(await t.fixture.deployHead()).toBe(rewritten);

      await git(t.fixture.dev, 'reset', '-q', '--hard', 'HEAD~1');
      await t.fixture.commit('replacement');
      const forced = await t.fixture.push({ force: true });
      await writeFile(join(t.fixture.deploy, 'file-1.txt'), 'local edit\n');
      const res = await t.deliverPush({ after: forced, before: rewritten });
      const deployment = await t.settled(res.body.deploymentId);
      expect(deployment).toMatchObject({ status: 'succeeded', headBefore: rewritten, headAfter: forced });
      expect(await git(t.fixture.deploy, 'status', '--porcelain')).toBe('');
    });

    it('rebase follows a force-push that rewrote a deployed commit (git drops it by fork-point)', async () => {
      await start();
      const { sha: rewritten } = await pushAndDeploy('to be rewritten');
      await git(t.fixture.dev, 'reset', '-q', '--hard', 'HEAD~1');
      await t.fixture.commit('replacement');
      const forced = await t.fixture.push({ force: true });
      const res = await t.deliverPush({ after: forced, before: rewritten });
      const deployment = await t.settled(res.body.deploymentId);
      expect(deployment).toMatchObject({ status: 'succeeded', headAfter: forced });
    });

    it('ff-only after a force-push that rewrote a deployed commit is a failure, not a silent success', async () => {
      await start({ env: { PULL_STRATEGY: 'ff-only' } });
      await pushAndDeploy('to be rewritten');
      await git(t.fixture.dev, 'reset', '-q', '--hard', 'HEAD~1');
      await t.fixture.commit('replacement');
      const forced = await t.fixture.push({ force: true });
      const res = await t.deliverPush({ after: forced });
      const deployment = await t.settled(res.body.deploymentId);
      expect(deployment.status).toBe('failed');
      expect(await t.fixture.deployHead()).not.toBe(forced);
    });
  });

  describe('failures keep the service running', () => {
    it('a dirty work tree fails the deploy without touching it; the next push after cleaning deploys', async () => {
      await start();
      const before = await t.fixture.deployHead();
      await writeFile(join(t.fixture.deploy, 'file-1.txt'), 'edited on the server\n');
      const { deployment } = await pushAndDeploy();
      expect(deployment).toMatchObject({ status: 'failed', headBefore: before, headAfter: before });
      expect(deployment.error).toContain('uncommitted changes');
      expect(await readFile(join(t.fixture.deploy, 'file-1.txt'), 'utf8')).toBe('edited on the server\n');

      await git(t.fixture.deploy, 'checkout', '--', 'file-1.txt');
      const next = await pushAndDeploy();
      expect(next.deployment).toMatchObject({ status: 'succeeded', headAfter: next.sha });
    });

    it("an unreachable origin fails with git's error", async () => {
      await start();
      const sha = await t.fixture.commitAndPush();
      await git(t.fixture.deploy, 'remote', 'set-url', 'origin', join(t.fixture.root, 'gone.git'));
      const res = await t.deliverPush({ after: sha });
      const deployment = await t.settled(res.body.deploymentId);
      expect(deployment.status).toBe('failed');
      expect(deployment.error).toMatch(/gone\.git|does not appear to be a git repository/);
    });

    it('a pushed commit the pull does not reach is a failure', async () => {
      await start();
      const res = await t.deliverPush({ after: 'f'.repeat(40) });
      const deployment = await t.settled(res.body.deploymentId);
      expect(deployment.status).toBe('failed');
      expect(deployment.error).toContain('f'.repeat(40));
    });

    it('a deploy command exiting non-zero fails the deployment with its output', async () => {
      await start({ env: { DEPLOY_COMMAND: 'echo building; echo broken >&2; exit 3' } });
      const { sha, deployment } = await pushAndDeploy();
      expect(deployment).toMatchObject({ status: 'failed', headAfter: sha, error: expect.stringContaining('code 3') });
      expect(deployment.log).toContain('building');
      expect(deployment.log).toContain('broken');
      // The work tree moved, but the deployment failed: no success line.
      expect(t.logs.text()).not.toContain(`Repository updated with commit ${sha.slice(0, 7)}`);
      const next = await pushAndDeploy();
      expect(next.deployment.status).toBe('failed');
      expect(next.deployment.headAfter).toBe(next.sha);
    });

    it('DEPLOY_TIMEOUT also ends a hanging git step with everything git started; the next deploy works', async () => {
      await start({ env: { DEPLOY_TIMEOUT: '1' } });
      // A hook that hangs inside git's own process tree, as a stuck ssh or credential helper would.
      const hook = join(t.fixture.deploy, '.git', 'hooks', 'reference-transaction');
      await writeFile(hook, '#!/bin/sh\nsleep 60 & echo $! > ../hook.pid\nwait\n', { mode: 0o755 });
      const { deployment } = await pushAndDeploy();
      expect(deployment.status).toBe('failed');
      expect(deployment.error).toMatch(/timed out after 1s/);
      const pid = Number(await readFile(join(t.fixture.root, 'hook.pid'), 'utf8'));
      await waitFor(`hook sleep ${pid} is gone`, () => !isAlive(pid));
      expect(existsSync(join(t.fixture.deploy, '.git', 'rebase-merge'))).toBe(false);

      await rm(hook);
      const next = await pushAndDeploy();
      expect(next.deployment).toMatchObject({ status: 'succeeded', headAfter: next.sha });
    });

    it('DEPLOY_TIMEOUT kills the command and everything it started', async () => {
      await start({ env: { DEPLOY_COMMAND: 'sleep 60 & echo $! > "$DEPLOY_ID.pid"; wait', DEPLOY_TIMEOUT: '1' } });
      const { deployment } = await pushAndDeploy();
      expect(deployment.status).toBe('failed');
      expect(deployment.error).toMatch(/timed out after 1s/);
      const pid = Number(await readFile(join(t.fixture.deploy, `${deployment.id}.pid`), 'utf8'));
      await waitFor(`sleep ${pid} is gone`, () => !isAlive(pid));
    });
  });

  describe('the deploy command', () => {
    it('gets the documented variables and never the secrets', async () => {
      await start({
        env: {
          DEPLOY_COMMAND:
            'printf "%s\\n" "$DEPLOY_SHA" "$DEPLOY_BEFORE" "$DEPLOY_REF" "$DEPLOY_DELIVERY" "$DEPLOY_ID" "${GITHUB_SECRET:-none}" "${ADMIN_TOKEN:-none}" > ../env.txt',
        },
      });
      process.env.GITHUB_SECRET = TEST_SECRET;
      const before = await t.fixture.deployHead();
      const sha = await t.fixture.commitAndPush();
      const res = await t.deliverPush({ after: sha }, { id: 'env-delivery' });
      const deployment = await t.settled(res.body.deploymentId);
      delete process.env.GITHUB_SECRET;
      expect(deployment.status).toBe('succeeded');
      const lines = (await readFile(join(t.fixture.root, 'env.txt'), 'utf8')).trim().split('\n');
      expect(lines).toEqual([sha, before, 'refs/heads/main', 'env-delivery', String(deployment.id), 'none', 'none']);
    });

    it('git and its hooks never see the secrets either', async () => {
      await start({ env: { PULL_STRATEGY: 'reset' } });
      // reference-transaction runs on every ref update, whatever the strategy.
      const hook = join(t.fixture.deploy, '.git', 'hooks', 'reference-transaction');
      await writeFile(hook, '#!/bin/sh\necho "${GITHUB_SECRET:-none} ${ADMIN_TOKEN:-none}" >> ../hook.txt\n', {
        mode: 0o755,
      });
      process.env.GITHUB_SECRET = TEST_SECRET;
      process.env.ADMIN_TOKEN = 'admin-token-in-the-environment';
      try {
        const { deployment } = await pushAndDeploy();
        expect(deployment.status).toBe('succeeded');
      } finally {
        delete process.env.GITHUB_SECRET;
        delete process.env.ADMIN_TOKEN;
      }
      const lines = (await readFile(join(t.fixture.root, 'hook.txt'), 'utf8')).trim().split('\n');
      expect(lines.length).toBeGreaterThan(0);
      expect(new Set(lines)).toEqual(new Set(['none none']));
    });

    it('runs nothing from the payload: $(...) and backticks stay text', async () => {
      const branch = 'x`touch${IFS}pwned-backtick`$(touch${IFS}pwned-dollar)';
      await start({
        fixture: { branch },
        env: { DEPLOY_COMMAND: 'printf "%s\\n%s\\n" "$DEPLOY_REF" "$DEPLOY_DELIVERY" > ../seen.txt' },
      });
      const sha = await t.fixture.commitAndPush('$(touch pwned-message) `touch pwned-message2`');
      const delivery = '$(touch pwned-delivery)`touch pwned-delivery2`';
      const res = await t.deliverPush(
        {
          after: sha,
          extra: { pusher: { name: '$(touch pwned-pusher)', email: '`touch pwned-email`' } },
        },
        { id: delivery },
      );
      const deployment = await t.settled(res.body.deploymentId);
      expect(deployment.status).toBe('succeeded');
      const seen = await readFile(join(t.fixture.root, 'seen.txt'), 'utf8');
      expect(seen).toBe(`refs/heads/${branch}\n${delivery}\n`);
      // Wherever an injected `touch` would have run (the deploy clone is the command's cwd).
      const names = ['backtick', 'dollar', 'message', 'message2', 'delivery', 'delivery2', 'pusher', 'email'];
      for (const dir of [t.fixture.root, t.fixture.deploy, t.fixture.dev, process.cwd()]) {
        for (const name of names) expect(existsSync(join(dir, `pwned-${name}`))).toBe(false);
      }
    });
  });
});
