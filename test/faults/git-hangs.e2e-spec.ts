import { describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { chmod, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PullStrategy } from '../../src/config/app-config.js';
import { signedDelivery } from '../fixtures/deliveries.js';
import { git, type GitFixture } from '../fixtures/git-fixture.js';
import { LIVE_SECRET, workTreeState } from '../fixtures/live-service.js';
import { livePerTest } from '../fixtures/live-per-test.js';
import { ancestry, commandLine, gone, pidFrom, processGroupOf } from '../fixtures/processes.js';
import { waitFor } from '../fixtures/wait.js';

const TEST_TIMEOUT = 60_000;
/** DEPLOY_TIMEOUT is in seconds (decimals allowed). */
const DEPLOY_TIMEOUT_S = 1;

/**
 * A program git runs for the fetch that never ends: it records its pid and that of a
 * `sleep` child, then waits for the child. `ignoreTerm`: it and its child ignore SIGTERM,
 * as a process stuck in a blocking call might, so only a SIGKILL ends them.
 */
function hangingScript(dir: string, ignoreTerm: boolean): string {
  return [
    '#!/bin/sh',
    ...(ignoreTerm ? ["trap '' TERM"] : []),
    `echo $$ > "${dir}/script.pid"`,
    'sleep 60 &',
    `echo $! > "${dir}/sleep.pid"`,
    'wait',
    '',
  ].join('\n');
}

interface Hang {
  name: string;
  strategy: PullStrategy;
  ignoreTerm: boolean;
  /** Makes the deploy clone's fetch run `script`; returns the service's extra environment. */
  install(fixture: GitFixture, script: string): Promise<Record<string, string>>;
  /** Puts the clone's remote back as it was. */
  restore(fixture: GitFixture): Promise<void>;
}

const HANGS: Hang[] = [
  {
    // git runs remote.origin.uploadpack for a fetch from a local path too.
    name: 'remote.origin.uploadpack that sleeps',
    strategy: 'rebase',
    ignoreTerm: false,
    install: async (fixture, script) => {
      await git(fixture.deploy, 'config', 'remote.origin.uploadpack', script);
      return {};
    },
    restore: (fixture) => git(fixture.deploy, 'config', '--unset', 'remote.origin.uploadpack').then(() => undefined),
  },
  {
    name: 'remote.origin.uploadpack that sleeps and ignores SIGTERM',
    strategy: 'ff-only',
    ignoreTerm: true,
    install: async (fixture, script) => {
      await git(fixture.deploy, 'config', 'remote.origin.uploadpack', script);
      return {};
    },
    restore: (fixture) => git(fixture.deploy, 'config', '--unset', 'remote.origin.uploadpack').then(() => undefined),
  },
  {
    // An ssh origin whose connection never answers, as behind a dead network.
    name: 'an ssh origin with a GIT_SSH_COMMAND that sleeps',
    strategy: 'reset',
    ignoreTerm: false,
    install: async (fixture, script) => {
      await git(fixture.deploy, 'remote', 'set-url', 'origin', 'ssh://git.invalid/octo/app.git');
      // GIT_SSH_VARIANT spares git its `ssh -G` probe: the script hangs on the connection itself.
      return { GIT_SSH_COMMAND: script, GIT_SSH_VARIANT: 'ssh' };
    },
    restore: (fixture) => git(fixture.deploy, 'remote', 'set-url', 'origin', fixture.origin).then(() => undefined),
  },
];

describe('git hangs: DEPLOY_TIMEOUT ends the whole process group, the next deploy works', () => {
  const lives = livePerTest();

  it.each(HANGS.map((hang) => [hang.name, hang] as const))(
    '%s',
    async (_name, hang) => {
      const f = await lives.fixture();
      const script = join(f.root, 'hang.sh');
      await writeFile(script, hangingScript(f.root, hang.ignoreTerm));
      await chmod(script, 0o755);
      const env = await hang.install(f, script);
      const service = await lives.start(f, {
        ...env,
        PULL_STRATEGY: hang.strategy,
        DEPLOY_TIMEOUT: String(DEPLOY_TIMEOUT_S),
      });
      const before = await workTreeState(f);

      const sha = await f.commitAndPush('never fetched');
      const answer = await service.deliverPush(sha, 'hung-fetch');
      expect(answer).toMatchObject({ answered: true, status: 202 });

      // Every process of the hang: the script, its sleep, and git up to the group leader.
      const scriptPid = await pidFrom(join(f.root, 'script.pid'), 'the fetch hangs');
      const sleepPid = await pidFrom(join(f.root, 'sleep.pid'), 'the sleep runs');
      const leader = processGroupOf(scriptPid)!;
      const recorded = [...new Set([sleepPid, ...ancestry(scriptPid, leader)])];
      const described = new Map(recorded.map((pid) => [pid, `${pid} ${commandLine(pid)}`]));
      // The leader is the git command hookdeploy started, not hookdeploy itself.
      expect(leader).not.toBe(service.service.child.pid);
      expect(recorded).toContain(leader);
      expect(commandLine(leader)).toMatch(/^(\S*\/)?git /);
      expect(recorded.every((pid) => processGroupOf(pid) === leader)).toBe(true);

      // Meanwhile the service answers at once.
      expect((await service.health()).status).toBe(200);
      const ping = signedDelivery({ zen: 'Keep it logically awesome.' }, { secret: LIVE_SECRET, event: 'ping' });
      expect(await service.send(ping.headers, ping.body, { timeoutMs: 1000 })).toMatchObject({
        answered: true,
        status: 200,
      });

      const [failed] = await service.settled(1, 15_000);
      expect(failed).toMatchObject({ id: 1, status: 'failed', deliveries: ['hung-fetch'], headAfter: before.head });
      expect(failed!.error).toMatch(new RegExp(`timed out after ${DEPLOY_TIMEOUT_S}s`));
      const finishedAfter = Date.parse(failed!.finishedAt!) - Date.parse(failed!.startedAt!);
      // The timeout, the SIGTERM grace when the group ignores it, the output drain: well under 10 s.
      expect(finishedAfter).toBeGreaterThanOrEqual(DEPLOY_TIMEOUT_S * 1000);
      expect(finishedAfter).toBeLessThan(10_000);

      // Nothing of the hang is left, whatever it did with SIGTERM.
      await waitFor('every process of the hung fetch is gone', () => recorded.every(gone), 3000).catch(() => {
        const alive = recorded.filter((pid) => !gone(pid)).map((pid) => described.get(pid));
        throw new Error(`still running after the deployment failed: ${alive.join('; ')}`);
      });

      // The work tree is as it was: same HEAD, same branch, clean, no git operation left behind.
      expect(await workTreeState(f)).toEqual(before);
      for (const leftover of ['rebase-merge', 'rebase-apply', 'index.lock', 'HEAD.lock', 'shallow.lock']) {
        expect(existsSync(join(f.deploy, '.git', leftover))).toBe(false);
      }
      expect(service.alive).toBe(true);

      // Once the remote is fixed, the next push deploys, the hung one's commit included.
      await hang.restore(f);
      const next = await f.commitAndPush('after the hang');
      expect(await service.deliverPush(next, 'after-hang')).toMatchObject({ answered: true, status: 202 });
      const [deployed] = await service.settled(2);
      expect(deployed).toMatchObject({ id: 2, status: 'succeeded', headAfter: next, error: null });
      expect(await workTreeState(f)).toEqual({ ...before, head: next });
      expect(await service.contains(next, sha)).toBe(true);
    },
    TEST_TIMEOUT,
  );

  // Not the fetch: a local query before it. `git status` runs the core.fsmonitor hook, which
  // here never answers (a stuck file-watcher daemon would do the same). DEPLOY_TIMEOUT bounds
  // "git and command together", so it must end this deploy too.
  it(
    'a local git query that hangs before the fetch (a core.fsmonitor hook in git status)',
    async () => {
      const f = await lives.fixture();
      const hold = join(f.root, 'hold');
      const hook = join(f.root, 'fsmonitor.sh');
      // Holds while `hold` exists: removing the fixture ends it, whatever the service did.
      await writeFile(
        hook,
        `#!/bin/sh\necho $$ > "${f.root}/fsmonitor.pid"\nwhile [ -e "${hold}" ]; do sleep 0.05; done\n`,
      );
      await chmod(hook, 0o755);
      await writeFile(hold, '');
      const service = await lives.start(f, { DEPLOY_TIMEOUT: String(DEPLOY_TIMEOUT_S) });
      const before = await workTreeState(f);
      await git(f.deploy, 'config', 'core.fsmonitor', hook);

      const sha = await f.commitAndPush('behind a hung git status');
      expect(await service.deliverPush(sha, 'hung-status')).toMatchObject({ answered: true, status: 202 });
      const hookPid = await pidFrom(join(f.root, 'fsmonitor.pid'), 'git status runs the fsmonitor hook');

      // The timeout, a SIGTERM grace and the output drain: well under 8 s.
      const [failed] = await service.settled(1, 8000);
      expect(failed).toMatchObject({ id: 1, status: 'failed', deliveries: ['hung-status'] });
      expect(failed!.error).toMatch(new RegExp(`timed out after ${DEPLOY_TIMEOUT_S}s`));
      await waitFor('the hung hook is gone', () => gone(hookPid), 3000);
      await git(f.deploy, 'config', '--unset', 'core.fsmonitor');
      expect(await workTreeState(f)).toEqual(before);

      // And the queue is not stuck behind it.
      const next = await f.commitAndPush('after the hang');
      expect(await service.deliverPush(next, 'after-hang')).toMatchObject({ answered: true, status: 202 });
      expect((await service.settled(2))[0]).toMatchObject({ id: 2, status: 'succeeded', headAfter: next });
    },
    TEST_TIMEOUT,
  );

  // A hang in the checkout, after git wrote some of the pushed commit's files and before it
  // wrote the index: a smudge filter (or a slow disk) does that. When DEPLOY_TIMEOUT kills
  // git there, the files it wrote must not stay behind, untracked, to block every later pull.
  it.each<PullStrategy>(['rebase', 'ff-only', 'reset'])(
    '%s: a checkout that hangs half way (a smudge filter) is ended and undone; the next deploy works',
    async (strategy) => {
      const f = await lives.fixture();
      const [hold, once, pidFile] = [join(f.root, 'hold'), join(f.root, 'filter-ran'), join(f.root, 'filter.pid')];
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
      // The operator's own untracked file: whatever undoes the checkout must leave it alone.
      await writeFile(join(f.deploy, 'operator-notes.txt'), 'not in git\n');
      await writeFile(hold, '');
      const service = await lives.start(f, { PULL_STRATEGY: strategy, DEPLOY_TIMEOUT: String(DEPLOY_TIMEOUT_S) });
      const before = await workTreeState(f);

      // In path order: a new file and a changed one are written before the filter hangs on z-last.txt.
      const sha = await f.commitAndPush('new and changed files', {
        'a-first.txt': 'a\n',
        'file-1.txt': 'changed\n',
        'z-last.txt': 'z\n',
      });
      expect(await service.deliverPush(sha, 'hung-checkout')).toMatchObject({ answered: true, status: 202 });
      const filterPid = await pidFrom(pidFile, 'the checkout hangs');
      const [failed] = await service.settled(1, 15_000);
      expect(failed).toMatchObject({ id: 1, status: 'failed' });
      expect(failed!.error).toMatch(new RegExp(`timed out after ${DEPLOY_TIMEOUT_S}s`));
      await waitFor('the hung filter is gone', () => gone(filterPid), 3000);

      // As before the deploy: same HEAD, no file of the half-done checkout, no lock.
      expect(await workTreeState(f)).toEqual(before);
      expect(before.status).toBe('?? operator-notes.txt');
      expect(existsSync(join(f.deploy, '.git', 'index.lock'))).toBe(false);

      await rm(hold);
      const next = await f.commitAndPush('after the hang');
      expect(await service.deliverPush(next, 'after-hang')).toMatchObject({ answered: true, status: 202 });
      expect((await service.settled(2))[0]).toMatchObject({ id: 2, status: 'succeeded', headAfter: next });
      expect(await workTreeState(f)).toEqual({ ...before, head: next });
    },
    TEST_TIMEOUT,
  );

  it(
    'SIGTERM while the fetch hangs: the stop waits for DEPLOY_TIMEOUT at most, leaves no process behind, exits 0',
    async () => {
      const f = await lives.fixture();
      const script = join(f.root, 'hang.sh');
      await writeFile(script, hangingScript(f.root, true));
      await chmod(script, 0o755);
      await git(f.deploy, 'config', 'remote.origin.uploadpack', script);
      const service = await lives.start(f, { DEPLOY_TIMEOUT: '2' });
      const before = await workTreeState(f);

      const sha = await f.commitAndPush('never fetched');
      expect(await service.deliverPush(sha, 'hung-at-stop')).toMatchObject({ answered: true, status: 202 });
      const scriptPid = await pidFrom(join(f.root, 'script.pid'), 'the fetch hangs');
      const sleepPid = await pidFrom(join(f.root, 'sleep.pid'), 'the sleep runs');
      const recorded = [sleepPid, ...ancestry(scriptPid, processGroupOf(scriptPid)!)];

      const stopping = Date.now();
      service.service.child.kill('SIGTERM');
      expect(await service.service.exitCode(15_000)).toBe(0);
      // DEPLOY_TIMEOUT (2 s, counted from the deploy's start), SIGTERM ignored, then SIGKILL.
      expect(Date.now() - stopping).toBeLessThan(8000);
      await waitFor('every process of the hung fetch is gone', () => recorded.every(gone), 3000);
      expect(await workTreeState(f)).toEqual(before);

      // The next process shows the deployment failed by the timeout, not interrupted, and deploys.
      await git(f.deploy, 'config', '--unset', 'remote.origin.uploadpack');
      await service.start();
      const [failed] = await service.settled(1);
      expect(failed).toMatchObject({ id: 1, status: 'failed', deliveries: ['hung-at-stop'] });
      expect(failed!.error).toMatch(/timed out after 2s/);
      const next = await f.commitAndPush('after the stop');
      expect(await service.deliverPush(next, 'after-stop')).toMatchObject({ answered: true, status: 202 });
      expect((await service.settled(2))[0]).toMatchObject({ id: 2, status: 'succeeded', headAfter: next });
    },
    TEST_TIMEOUT,
  );
});
