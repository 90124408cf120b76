import { afterEach, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Deployment } from '../../src/domain/deployment.js';
import { pushPayload, signedDelivery } from '../fixtures/deliveries.js';
import { git, GitFixture } from '../fixtures/git-fixture.js';
import { ServiceProcess } from '../fixtures/service-process.js';
import { gone, pidFrom, processGroupOf } from '../fixtures/processes.js';
import { waitFor } from '../fixtures/wait.js';

const SECRET = 'recovery-test-secret-value';
const ADMIN_TOKEN = 'recovery-test-admin-token-0123';
/** Per test: several boots of the real process, git and shell work, on a shared slow machine. */
const TEST_TIMEOUT = 90_000;
/** Per condition waited on. */
const WAIT_MS = 30_000;

/** The process group of a process that must still run. */
function groupOf(pid: number): number {
  const group = processGroupOf(pid);
  if (group === undefined) throw new Error(`process ${pid} is gone`);
  return group;
}

/** Shell text that records its own pid, then waits while `hold` exists. Paths come from the test, never a payload. */
function holding(pidFile: string, hold: string): string {
  return `echo $$ > "${pidFile}"; while [ -e "${hold}" ]; do sleep 0.05; done`;
}

/**
 * Makes the deploy clone's fetches hang like one waiting on a slow network (git runs
 * `remote.origin.uploadpack` for a fetch, even from a local path) while `hold` exists.
 */
async function holdFetches(fixture: GitFixture): Promise<{ hold: string; pidFile: string }> {
  const hold = join(fixture.root, 'hold');
  const pidFile = join(fixture.root, 'upload-pack.pid');
  const uploadPack = join(fixture.root, 'upload-pack.sh');
  await writeFile(uploadPack, `#!/bin/sh\n${holding(pidFile, hold)}\nexec git upload-pack "$@"\n`);
  await chmod(uploadPack, 0o755);
  await git(fixture.deploy, 'config', 'remote.origin.uploadpack', uploadPack);
  await writeFile(hold, '');
  return { hold, pidFile };
}

const finished = (d: Deployment): boolean => d.status === 'succeeded' || d.status === 'failed';

/**
 * One DATA_DIR and one work tree, served by successive `node dist/main.js` processes:
 * what an operator's process manager does after a crash.
 */
class Deployer {
  readonly started: ServiceProcess[] = [];
  private port = 0;

  constructor(
    readonly fixture: GitFixture,
    private readonly env: Record<string, string>,
  ) {}

  get service(): ServiceProcess {
    const service = this.started.at(-1);
    if (!service) throw new Error('not started');
    return service;
  }

  async start(): Promise<void> {
    this.started.push(
      ServiceProcess.start(
        {
          GITHUB_SECRET: SECRET,
          ADMIN_TOKEN,
          REPO_PATH: this.fixture.deploy,
          DATA_DIR: join(this.fixture.root, 'data'),
          PORT: '0',
          HOST: '127.0.0.1',
          ...this.env,
        },
        this.fixture.root,
      ),
    );
    this.port = await this.service.port();
  }

  /** SIGKILL: no shutdown hook, no final save, nothing the process could do about it. */
  async crash(): Promise<void> {
    this.service.child.kill('SIGKILL');
    expect(await this.service.exitCode()).toBeNull();
    expect(this.service.child.signalCode).toBe('SIGKILL');
  }

  async deliver(sha: string, id: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const { headers, body } = signedDelivery(pushPayload({ after: sha }), { secret: SECRET, id });
    const res = await fetch(`http://127.0.0.1:${this.port}/github`, { method: 'POST', headers, body });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async api<T>(path: string, init: RequestInit = {}): Promise<T> {
    const res = await fetch(`http://127.0.0.1:${this.port}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...init.headers },
    });
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  list(): Promise<Deployment[]> {
    return this.api<Deployment[]>('/deployments');
  }

  get(id: number): Promise<Deployment> {
    return this.api<Deployment>(`/deployments/${id}`);
  }

  async until(id: number, status: Deployment['status']): Promise<Deployment> {
    let deployment: Deployment | undefined;
    await waitFor(
      `deployment ${id} is ${status}`,
      async () => (deployment = await this.get(id)).status === status,
      WAIT_MS,
    ).catch((error: Error) => {
      throw new Error(`${error.message} (it is ${deployment?.status}):\n${this.service.text()}`);
    });
    return deployment!;
  }

  /** Waits until `count` or more deployments exist and none is queued or running; newest first. */
  async settled(count = 1): Promise<Deployment[]> {
    let list: Deployment[] = [];
    await waitFor(
      'every deployment finished',
      async () => (list = await this.list()).length >= count && list.every(finished),
      WAIT_MS,
    );
    return list;
  }

  stop(): void {
    for (const service of this.started) service.stop();
  }
}

describe('recovery after the process died (SIGKILL) and started again on the same DATA_DIR', () => {
  let fixture: GitFixture | undefined;
  let deployer: Deployer | undefined;

  afterEach(async () => {
    deployer?.stop();
    deployer = undefined;
    // Removing the temp directory removes every hold file: a script still waiting ends on its own.
    await fixture?.remove();
    fixture = undefined;
  });

  it(
    'during the deploy command: the orphaned command is killed, the deployment is failed "interrupted", a recovery deployment deploys the push',
    async () => {
      fixture = await GitFixture.create();
      const hold = join(fixture.root, 'hold');
      const pidFile = join(fixture.root, 'command.pid');
      await writeFile(hold, '');
      deployer = new Deployer(fixture, { DEPLOY_COMMAND: `${holding(pidFile, hold)}; echo deployed` });
      await deployer.start();

      const sha = await fixture.commitAndPush();
      const accepted = await deployer.deliver(sha, 'killed-mid-command');
      expect(accepted).toEqual({ status: 202, body: expect.objectContaining({ status: 'queued', deploymentId: 1 }) });
      const pid = await pidFrom(pidFile, 'the deploy command runs', WAIT_MS);

      await deployer.crash();
      // Nothing ended the command with hookdeploy: it runs on, orphaned, in its own process group.
      expect(gone(pid)).toBe(false);
      expect(groupOf(pid)).toBe(pid);

      // The hold stays: only the recovery at boot can end the old command.
      await deployer.start();
      await waitFor('the orphaned deploy command has been killed', () => gone(pid), WAIT_MS);

      // Settled before the server listened: the first answer already shows it.
      const [recovery, interrupted, ...older] = await deployer.list();
      expect(older).toEqual([]);
      expect(interrupted).toMatchObject({
        id: 1,
        status: 'failed',
        trigger: 'push',
        error: 'interrupted',
        deliveries: ['killed-mid-command'],
        requestedSha: sha,
      });
      expect(interrupted!.finishedAt).not.toBeNull();
      expect(interrupted!.log).toContain(
        'hookdeploy: interrupted: hookdeploy stopped while the deploy command was running',
      );
      expect(interrupted!.log).toContain(`hookdeploy: killed process group ${pid}, which was still running`);
      expect(recovery).toMatchObject({ id: 2, trigger: 'recovery', requestedSha: sha, deliveries: [] });
      expect(['queued', 'running']).toContain(recovery!.status);

      // The recovery deployment runs the same command, which waits for the hold too.
      await rm(hold);
      const recovered = await deployer.until(2, 'succeeded');
      expect(recovered).toMatchObject({ headAfter: sha, error: null });
      expect(recovered.log).toContain('deployed');
      expect(await fixture.deployHead()).toBe(sha);
      expect(deployer.service.text()).toMatch(/deployment 1 was interrupted during the deploy command: marked failed/);
      expect(deployer.service.text()).not.toContain(SECRET);
    },
    TEST_TIMEOUT,
  );

  it(
    'during the git fetch: the hung git is killed, the deployment is failed "interrupted", the recovery deployment fetches again',
    async () => {
      fixture = await GitFixture.create();
      const { hold, pidFile } = await holdFetches(fixture);
      deployer = new Deployer(fixture, {});
      await deployer.start();

      const sha = await fixture.commitAndPush();
      expect((await deployer.deliver(sha, 'killed-mid-fetch')).status).toBe(202);
      const pid = await pidFrom(pidFile, 'the fetch hangs', WAIT_MS);
      // The group hookdeploy started: `git fetch` leads it; this script is in it.
      const leader = groupOf(pid);
      expect(leader).not.toBe(pid);

      await deployer.crash();
      expect(gone(pid)).toBe(false);
      expect(gone(leader)).toBe(false);

      await deployer.start();
      await waitFor('the orphaned git processes have been killed', () => gone(pid) && gone(leader), WAIT_MS);
      const interrupted = await deployer.get(1);
      expect(interrupted).toMatchObject({ status: 'failed', error: 'interrupted', deliveries: ['killed-mid-fetch'] });
      expect(interrupted.log).toContain('hookdeploy: interrupted: hookdeploy stopped while the git fetch was running');
      expect(interrupted.log).toContain(`hookdeploy: killed process group ${leader}, which was still running`);
      expect((await deployer.list())[0]).toMatchObject({ id: 2, trigger: 'recovery', requestedSha: sha });

      await rm(hold);
      expect(await deployer.until(2, 'succeeded')).toMatchObject({ headAfter: sha, error: null });
      expect(await fixture.deployHead()).toBe(sha);
      expect(await git(fixture.deploy, 'symbolic-ref', '--short', 'HEAD')).toBe('main');
      expect(existsSync(join(fixture.deploy, '.git', 'index.lock'))).toBe(false);
    },
    TEST_TIMEOUT,
  );

  // The fetch runs while the work tree is checked: a crash then must not treat the tracked
  // files as git's half-done work. Here the operator edits one while the fetch hangs.
  it(
    'during the git fetch, with the operator editing a tracked file meanwhile: the edit is kept, not reset',
    async () => {
      fixture = await GitFixture.create();
      const { hold, pidFile } = await holdFetches(fixture);
      deployer = new Deployer(fixture, {});
      await deployer.start();

      const sha = await fixture.commitAndPush();
      expect((await deployer.deliver(sha, 'edited-mid-fetch')).status).toBe(202);
      await pidFrom(pidFile, 'the fetch hangs', WAIT_MS);
      const edited = join(fixture.deploy, 'file-1.txt');
      const before = await git(fixture.deploy, 'rev-parse', 'HEAD');
      await writeFile(edited, 'the operator is fixing something by hand\n');

      await deployer.crash();
      await rm(hold);
      await deployer.start();
      const interrupted = await deployer.until(1, 'failed');
      expect(interrupted.log).toContain('hookdeploy: interrupted: hookdeploy stopped while the git fetch was running');
      expect(interrupted.log).not.toContain('put the tracked files back');
      // The recovery deployment refuses the edited tree, as any deployment would.
      expect(await deployer.until(2, 'failed')).toMatchObject({
        trigger: 'recovery',
        error: expect.stringContaining('uncommitted changes: file-1.txt'),
      });
      expect(await readFile(edited, 'utf8')).toBe('the operator is fixing something by hand\n');
      expect(await git(fixture.deploy, 'rev-parse', 'HEAD')).toBe(before);
    },
    TEST_TIMEOUT,
  );

  // A SIGKILL mid-rebase leaves HEAD detached; the boot must still see the branch being rebased
  // (not refuse the work tree) so that the recovery can kill git and abort the rebase.
  it(
    'in the middle of a rebase: the stale index.lock is removed and the rebase aborted, then the recovery deployment rebases again',
    async () => {
      fixture = await GitFixture.create();
      // A commit only the server has: the rebase strategy must replay it onto the push.
      await writeFile(join(fixture.deploy, 'local.txt'), 'server-only change\n');
      await git(fixture.deploy, 'add', 'local.txt');
      await git(fixture.deploy, 'commit', '--quiet', '--no-gpg-sign', '-m', 'server-only change');

      const hold = join(fixture.root, 'hold');
      const once = join(fixture.root, 'hook-ran');
      const pidFile = join(fixture.root, 'hook.pid');
      const indexLock = join(fixture.deploy, '.git', 'index.lock');
      // The rebase runs prepare-commit-msg while it replays the local commit. The first time,
      // the hook hangs there. git holds index.lock only for the instant it writes the index,
      // too short to aim a SIGKILL at, so the hook leaves the lock such a kill leaves.
      const hook = join(fixture.deploy, '.git', 'hooks', 'prepare-commit-msg');
      await writeFile(
        hook,
        `#!/bin/sh\n[ -e "${once}" ] && exit 0\n: > "${once}"\n: > "${indexLock}"\n${holding(pidFile, hold)}\n`,
      );
      await chmod(hook, 0o755);
      await writeFile(hold, '');
      deployer = new Deployer(fixture, {});
      await deployer.start();

      const sha = await fixture.commitAndPush();
      expect((await deployer.deliver(sha, 'killed-mid-rebase')).status).toBe(202);
      const pid = await pidFrom(pidFile, 'the rebase is under way', WAIT_MS);
      const leader = groupOf(pid);
      expect(existsSync(join(fixture.deploy, '.git', 'rebase-merge'))).toBe(true);

      await deployer.crash();
      expect(gone(leader)).toBe(false);
      await deployer.start();
      await waitFor('the orphaned git processes have been killed', () => gone(pid) && gone(leader), WAIT_MS);

      const interrupted = await deployer.get(1);
      expect(interrupted).toMatchObject({ status: 'failed', error: 'interrupted' });
      expect(interrupted.log).toContain('hookdeploy: interrupted: hookdeploy stopped while the git update was running');
      expect(interrupted.log).toContain(`hookdeploy: killed process group ${leader}, which was still running`);
      expect(interrupted.log).toContain(`hookdeploy: removed the stale ${indexLock}`);
      expect(interrupted.log).toContain('hookdeploy: aborted the rebase it left in progress');

      const recovered = await deployer.until(2, 'succeeded');
      expect(recovered.trigger).toBe('recovery');
      const head = await fixture.deployHead();
      expect(recovered.headAfter).toBe(head);
      expect(await git(fixture.deploy, 'rev-parse', 'HEAD~1')).toBe(sha);
      expect(await git(fixture.deploy, 'log', '-1', '--format=%s')).toBe('server-only change');
      expect(await git(fixture.deploy, 'symbolic-ref', '--short', 'HEAD')).toBe('main');
      expect(existsSync(indexLock)).toBe(false);
      expect(existsSync(join(fixture.deploy, '.git', 'rebase-merge'))).toBe(false);
    },
    TEST_TIMEOUT,
  );

  // Killed between writing the new files and index and moving HEAD, git leaves HEAD.lock and
  // refs/heads/main.lock, and HEAD at the old commit under the new files: the recovery must
  // remove the locks and put the tracked files back before deploying again.
  it(
    'while the fast-forward moves HEAD: git left its ref locks and a work tree ahead of HEAD; the recovery deployment deploys anyway',
    async () => {
      fixture = await GitFixture.create();
      const hold = join(fixture.root, 'hold');
      const once = join(fixture.root, 'hook-ran');
      const pidFile = join(fixture.root, 'hook.pid');
      // git runs reference-transaction "prepared" holding the locks of the refs it moves; here
      // HEAD's, after the fast-forward wrote the new files and index. The first time, it hangs there.
      const hook = join(fixture.deploy, '.git', 'hooks', 'reference-transaction');
      await writeFile(
        hook,
        `#!/bin/sh\n[ "$1" = prepared ] && [ ! -e "${once}" ] && grep -q ' HEAD$' || exit 0\n: > "${once}"\n${holding(pidFile, hold)}\n`,
      );
      await chmod(hook, 0o755);
      await writeFile(hold, '');
      deployer = new Deployer(fixture, {});
      await deployer.start();

      const sha = await fixture.commitAndPush();
      expect((await deployer.deliver(sha, 'killed-mid-checkout')).status).toBe(202);
      const pid = await pidFrom(pidFile, 'HEAD is being moved', WAIT_MS);
      const leader = groupOf(pid);
      const headLock = join(fixture.deploy, '.git', 'HEAD.lock');
      const branchLock = join(fixture.deploy, '.git', 'refs', 'heads', 'main.lock');
      expect([existsSync(headLock), existsSync(branchLock)]).toEqual([true, true]);

      await deployer.crash();
      await deployer.start();
      await waitFor('the orphaned git processes have been killed', () => gone(pid) && gone(leader), WAIT_MS);
      const interrupted = await deployer.get(1);
      expect(interrupted).toMatchObject({ status: 'failed', error: 'interrupted' });
      expect(interrupted.log).toContain(`hookdeploy: killed process group ${leader}, which was still running`);

      const recovery = (await deployer.settled(2))[0]!;
      expect(recovery).toMatchObject({ id: 2, trigger: 'recovery', status: 'succeeded', headAfter: sha });
      expect(await fixture.deployHead()).toBe(sha);
      expect([existsSync(headLock), existsSync(branchLock)]).toEqual([false, false]);
    },
    TEST_TIMEOUT,
  );

  it(
    'a delivery waiting behind the killed deploy is resumed as it was, and no recovery deployment is added',
    async () => {
      fixture = await GitFixture.create();
      const hold = join(fixture.root, 'hold');
      const pidFile = join(fixture.root, 'command.pid');
      await writeFile(hold, '');
      deployer = new Deployer(fixture, { DEPLOY_COMMAND: `${holding(pidFile, hold)}; echo "deployed $DEPLOY_ID"` });
      await deployer.start();

      const first = await fixture.commitAndPush();
      expect((await deployer.deliver(first, 'running-one')).body).toMatchObject({ deploymentId: 1 });
      const pid = await pidFrom(pidFile, 'the deploy command runs', WAIT_MS);
      const second = await fixture.commitAndPush();
      const waiting = await deployer.deliver(second, 'waiting-one');
      expect(waiting).toEqual({ status: 202, body: expect.objectContaining({ status: 'queued', deploymentId: 2 }) });
      const before = await deployer.get(2);
      expect(before).toMatchObject({ status: 'queued', deliveries: ['waiting-one'], requestedSha: second });

      await deployer.crash();
      await deployer.start();
      await waitFor('the orphaned deploy command has been killed', () => gone(pid), WAIT_MS);
      expect(await deployer.get(1)).toMatchObject({ status: 'failed', error: 'interrupted' });

      await rm(hold);
      const list = await deployer.settled(2);
      // Exactly the two deployments: the waiting one covers the interrupted push too.
      expect(list.map((d) => [d.id, d.trigger, d.status])).toEqual([
        [2, 'push', 'succeeded'],
        [1, 'push', 'failed'],
      ]);
      const { queuedAt, id, trigger, deliveries, ref, requestedSha } = before;
      expect(list[0]).toMatchObject({ queuedAt, id, trigger, deliveries, ref, requestedSha, headAfter: second });
      expect(list[0]!.log).toContain('deployed 2');
      expect(await fixture.deployHead()).toBe(second);
      expect(deployer.service.text()).toMatch(/deployment 2 was queued before the restart: resuming it/);
    },
    TEST_TIMEOUT,
  );

  it(
    'after a clean stop (SIGTERM) and a start, the deployments read back identical, logs and timestamps included',
    async () => {
      fixture = await GitFixture.create();
      deployer = new Deployer(fixture, {
        DEPLOY_COMMAND: 'case "$DEPLOY_DELIVERY" in fail-*) echo "refusing $DEPLOY_SHA" >&2; exit 3;; esac; echo ok',
      });
      await deployer.start();
      const shas: string[] = [];
      for (const id of ['ok-1', 'fail-2', 'ok-3']) {
        const sha = await fixture.commitAndPush();
        shas.push(sha);
        expect((await deployer.deliver(sha, id)).status).toBe(202);
        await deployer.settled(shas.length);
      }
      expect((await deployer.deliver(shas[0]!, 'ok-1')).body).toEqual({ status: 'duplicate', deploymentId: 1 });
      await fixture.commitAndPush();
      await deployer.api('/deployments', { method: 'POST' });
      const before = await deployer.settled(4);
      expect(before.map((d) => [d.id, d.trigger, d.status])).toEqual([
        [4, 'manual', 'succeeded'],
        [3, 'push', 'succeeded'],
        [2, 'push', 'failed'],
        [1, 'push', 'succeeded'],
      ]);
      expect(before[2]!.error).toBe('the deploy command exited with code 3');
      expect(before[2]!.log).toContain(`refusing ${shas[1]}`);

      deployer.service.child.kill('SIGTERM');
      expect(await deployer.service.exitCode()).toBe(0);
      await deployer.start();
      expect(await deployer.list()).toEqual(before);
      for (const deployment of before) expect(await deployer.get(deployment.id)).toEqual(deployment);
    },
    TEST_TIMEOUT,
  );

  it(
    'deduplication survives the crash: the same X-GitHub-Delivery after a restart is a duplicate of its deployment',
    async () => {
      fixture = await GitFixture.create();
      deployer = new Deployer(fixture, {});
      await deployer.start();
      const sha = await fixture.commitAndPush();
      expect((await deployer.deliver(sha, 'once-only')).status).toBe(202);
      const [deployed] = await deployer.settled(1);

      await deployer.crash();
      await deployer.start();
      // Also after a newer push: the id decides, not the commit.
      await fixture.commitAndPush();
      expect(await deployer.deliver(sha, 'once-only')).toEqual({
        status: 200,
        body: { status: 'duplicate', deploymentId: deployed!.id },
      });
      expect(await deployer.list()).toEqual([deployed]);
    },
    TEST_TIMEOUT,
  );

  it(
    'a burst of 20 pushes, then SIGKILL: every accepted delivery ends in exactly one deployment and the newest commit is deployed',
    async () => {
      fixture = await GitFixture.create();
      deployer = new Deployer(fixture, { DEPLOY_COMMAND: 'sleep 0.2; echo "deployed $DEPLOY_SHA"' });
      await deployer.start();
      const shas: string[] = [];
      for (let i = 1; i <= 20; i += 1) shas.push(await fixture.commit(`burst ${i}`));
      await fixture.push();
      const newest = shas.at(-1)!;

      const answers = await Promise.all(shas.map((sha, i) => deployer!.deliver(sha, `burst-${i + 1}`)));
      await deployer.crash();
      const accepted = shas.map((_sha, i) => `burst-${i + 1}`).filter((_id, i) => answers[i]!.status === 202);
      expect(answers.map((answer) => answer.status)).toEqual(shas.map(() => 202));

      await deployer.start();
      const list = await deployer.settled(1);
      const covered = list.flatMap((d) => d.deliveries);
      expect([...covered].sort()).toEqual([...accepted].sort());
      for (const answer of answers) {
        const owner = list.find((d) => d.id === answer.body.deploymentId);
        expect(owner?.deliveries).toContain(answer.body.delivery);
      }
      expect(await fixture.deployHead()).toBe(newest);
      const last = list.find((d) => d.status === 'succeeded' && d.headAfter === newest);
      expect(['push', 'recovery']).toContain(last?.trigger);
    },
    TEST_TIMEOUT,
  );

  it(
    'a deploy that kills hookdeploy is redone once by a recovery deployment, not at every restart',
    async () => {
      fixture = await GitFixture.create();
      // $PPID of the command's shell is hookdeploy itself: a build that takes the service down.
      deployer = new Deployer(fixture, { DEPLOY_COMMAND: 'echo "taking hookdeploy down"; kill -9 $PPID; sleep 5' });
      await deployer.start();
      const sha = await fixture.commitAndPush();
      expect((await deployer.deliver(sha, 'fatal')).status).toBe(202);
      expect(await deployer.service.exitCode()).toBeNull();

      await deployer.start();
      // The recovery deployment runs the same command, and dies the same way.
      expect(await deployer.service.exitCode()).toBeNull();
      await deployer.start();
      const list = await deployer.settled(2);
      expect(list.map((d) => [d.id, d.trigger, d.status, d.error])).toEqual([
        [2, 'recovery', 'failed', 'interrupted'],
        [1, 'push', 'failed', 'interrupted'],
      ]);
      expect(list[0]!.log).toContain('not redeployed automatically: it was itself a recovery');
      expect(deployer.service.text()).not.toMatch(/queued to deploy/);
    },
    TEST_TIMEOUT,
  );

  it(
    "a second process on the same DATA_DIR is refused in one line, and leaves the first one's deploy alone",
    async () => {
      fixture = await GitFixture.create();
      const [pidFile, hold] = [join(fixture.root, 'command.pid'), join(fixture.root, 'hold')];
      await writeFile(hold, '');
      deployer = new Deployer(fixture, { DEPLOY_COMMAND: `${holding(pidFile, hold)}; echo done` });
      await deployer.start();
      const sha = await fixture.commitAndPush();
      expect((await deployer.deliver(sha, 'first-process')).status).toBe(202);
      const commandPid = await pidFrom(pidFile, 'the deploy command runs', WAIT_MS);

      const second = ServiceProcess.start(
        {
          GITHUB_SECRET: SECRET,
          REPO_PATH: fixture.deploy,
          DATA_DIR: join(fixture.root, 'data'),
          PORT: '0',
          HOST: '127.0.0.1',
        },
        fixture.root,
      );
      try {
        expect(await second.exitCode()).toBe(1);
        expect(second.output).toEqual([
          `hookdeploy: DATA_DIR ${join(fixture.root, 'data')} is in use by another hookdeploy process (pid ${deployer.service.child.pid})`,
        ]);
      } finally {
        second.stop();
      }
      expect(gone(commandPid)).toBe(false);
      await rm(hold);
      expect(await deployer.until(1, 'succeeded')).toMatchObject({ headAfter: sha });
    },
    TEST_TIMEOUT,
  );

  it(
    'a rollback interrupted in its command is redone, although an earlier success contains the commit',
    async () => {
      fixture = await GitFixture.create();
      const [pidFile, hold] = [join(fixture.root, 'command.pid'), join(fixture.root, 'hold')];
      // The command holds only while the hold file exists: the first deploy runs straight through.
      deployer = new Deployer(fixture, {
        PULL_STRATEGY: 'reset',
        DEPLOY_COMMAND: `if [ -e "${hold}" ]; then ${holding(pidFile, hold)}; fi; echo "built $DEPLOY_SHA"`,
      });
      await deployer.start();
      const good = await fixture.commitAndPush('good');
      const bad = await fixture.commitAndPush('bad');
      expect((await deployer.deliver(bad, 'bad')).status).toBe(202);
      await deployer.until(1, 'succeeded');

      // Roll back: origin's branch goes back to `good`, which the deployed `bad` contains.
      await git(fixture.dev, 'reset', '--quiet', '--hard', good);
      await fixture.push({ force: true });
      await writeFile(hold, '');
      expect((await deployer.deliver(good, 'rollback')).status).toBe(202);
      await pidFrom(pidFile, 'the rollback command runs', WAIT_MS);
      await deployer.crash();
      await rm(hold);

      await deployer.start();
      const recovery = await deployer.until(3, 'succeeded');
      expect(recovery).toMatchObject({ trigger: 'recovery', requestedSha: good, headAfter: good });
      expect(recovery.log).toContain(`built ${good}`);
      expect(await deployer.get(2)).toMatchObject({ status: 'failed', error: 'interrupted' });
    },
    TEST_TIMEOUT,
  );
});
