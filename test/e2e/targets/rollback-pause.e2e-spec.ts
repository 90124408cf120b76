import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Deployment, DeploymentSummary } from '../../../src/domain/deployment.js';
import { git } from '../../fixtures/git-fixture.js';
import { TARGETS_ADMIN_TOKEN, TargetsService, type TargetSpec } from '../../fixtures/targets-service.js';
import { waitFor } from '../../fixtures/wait.js';

const WAIT_MS = 30_000;
/** How long a paused target is watched not deploying what it recorded. */
const QUIET_MS = 1500;
const SAYS = 'echo "ran $DEPLOY_TRIGGER at $DEPLOY_SHA"';

interface TargetBody {
  id: string;
  paused: boolean;
  pausedAt?: string;
  pausedReason?: string;
  head: string | null;
}

describe('rollback and pause (config file, in place)', () => {
  let service: TargetsService;
  let gateDir: string;
  const gate = (): string => join(gateDir, 'gate');

  beforeAll(async () => {
    gateDir = await mkdtemp(join(tmpdir(), 'hookdeploy-gate-'));
    // Waits while the gate file exists (60 s at most, so that nothing hangs for ever).
    const gated = `${SAYS}; n=0; while [ -e '${gate()}' ] && [ $n -lt 1200 ]; do sleep 0.05; n=$((n+1)); done`;
    const specs: TargetSpec[] = [
      { id: 'ff', forge: 'github', strategy: 'ff-only', command: SAYS },
      { id: 'rebase', forge: 'github', strategy: 'rebase', command: SAYS },
      { id: 'reset', forge: 'github', strategy: 'reset', command: SAYS },
      { id: 'gated', forge: 'github', command: gated },
      { id: 'paused', forge: 'github', command: SAYS },
    ];
    service = await TargetsService.start(specs);
  }, 60_000);

  afterAll(async () => {
    await rm(gate(), { force: true });
    await service?.remove();
    await rm(gateDir, { recursive: true, force: true });
  });

  const post = <T = Record<string, unknown>>(path: string, body?: unknown): Promise<{ status: number; body: T }> =>
    service.api<T>(path, { method: 'POST', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  /** A commit pushed to the target's origin and its signed push delivery: the 202's deployment id. */
  async function push(id: string): Promise<{ sha: string; deploymentId: number; delivery: string }> {
    const sha = await service.commitAndPush(id);
    const response = await service.deliver(id, 'push', { after: sha });
    const body = (await response.json()) as { deploymentId: number; delivery: string };
    expect({ status: response.status, body }).toEqual({
      status: 202,
      body: { status: 'queued', deploymentId: expect.any(Number), delivery: expect.any(String) },
    });
    return { sha, deploymentId: body.deploymentId, delivery: body.delivery };
  }

  async function deployed(id: string): Promise<{ sha: string; deployment: Deployment }> {
    const { sha, deploymentId } = await push(id);
    const deployment = await service.settled(deploymentId, WAIT_MS);
    expect(deployment).toMatchObject({ status: 'succeeded', headAfter: sha });
    return { sha, deployment };
  }

  async function target(id: string): Promise<TargetBody> {
    const { body } = await service.api<TargetBody[]>('/targets');
    return body.find((t) => t.id === id)!;
  }

  async function deployment(id: number): Promise<Deployment> {
    return (await service.api<Deployment>(`/deployments/${id}`)).body;
  }

  /** Watches a deployment stay queued for a while: the paused target does not run it. */
  async function staysQueued(id: number): Promise<void> {
    await new Promise((done) => setTimeout(done, QUIET_MS));
    expect(await deployment(id)).toMatchObject({ status: 'queued', startedAt: null });
  }

  it('needs the admin token: 401 without it, and nothing changes', async () => {
    const { deployment: done } = await deployed('ff');
    for (const path of ['/targets/ff/pause', '/targets/ff/resume', `/deployments/${done.id}/rollback`]) {
      const response = await fetch(`${service.url}${path}`, { method: 'POST' });
      expect({ path, status: response.status }).toEqual({ path, status: 401 });
      const wrong = await fetch(`${service.url}${path}`, { method: 'POST', headers: { authorization: 'Bearer no' } });
      expect({ path, status: wrong.status }).toEqual({ path, status: 401 });
    }
    expect(await target('ff')).toMatchObject({ paused: false });
    const all = (await service.api<DeploymentSummary[]>('/deployments?target=ff&log=false')).body;
    expect(all.map((d) => d.id)).toEqual([done.id]);
  }, 60_000);

  it('pause: pushes are answered 202 and recorded but not deployed; resume deploys the newest of them only', async () => {
    const { sha: before } = await deployed('paused');
    const paused = await post('/targets/paused/pause', { reason: 'release freeze' });
    expect(paused).toEqual({
      status: 200,
      body: { id: 'paused', paused: true, pausedAt: expect.any(String), pausedReason: 'release freeze' },
    });
    // Idempotent: the pause in place stays as it was.
    expect(await post('/targets/paused/pause')).toEqual(paused);
    expect(await target('paused')).toMatchObject({ paused: true, pausedReason: 'release freeze' });
    expect(await service.metric('hookdeploy_target_paused', { target: 'paused' })).toBe(1);
    expect(await service.metric('hookdeploy_target_paused', { target: 'ff' })).toBe(0);

    const first = await push('paused');
    const second = await push('paused');
    expect(second.deploymentId).toBe(first.deploymentId); // coalesced into the one waiting deployment
    expect(service.service.text()).toContain(
      `delivery ${second.delivery} for paused: joined waiting deployment ${first.deploymentId} (the target is paused: it waits for a resume)`,
    );
    await staysQueued(first.deploymentId);
    expect(await service.fixture('paused').deployHead()).toBe(before);
    const waiting = await deployment(first.deploymentId);
    expect(waiting.deliveries).toEqual([first.delivery, second.delivery]);

    // "Deploy now" is refused rather than queued behind the pause.
    const manual = await post('/deployments', { target: 'paused' });
    expect(manual.status).toBe(409);
    expect(manual.body.error).toMatch(/paused/);

    const resumedAt = new Date().toISOString();
    expect(await post('/targets/paused/resume')).toEqual({ status: 200, body: { id: 'paused', paused: false } });
    const done = await service.settled(first.deploymentId, WAIT_MS);
    expect(done).toMatchObject({ status: 'succeeded', headAfter: second.sha, requestedSha: second.sha });
    expect(done.startedAt! >= resumedAt).toBe(true);
    expect(await service.fixture('paused').deployHead()).toBe(second.sha);
    const all = (await service.api<DeploymentSummary[]>('/deployments?target=paused&log=false')).body;
    expect(all).toHaveLength(2); // the one before the pause, and the one after
    expect(await post('/targets/paused/resume')).toEqual({ status: 200, body: { id: 'paused', paused: false } });
    expect(await target('paused')).toMatchObject({ paused: false });
    expect(await target('paused')).not.toHaveProperty('pausedReason');
    expect(await service.metric('hookdeploy_target_paused', { target: 'paused' })).toBe(0);
  }, 60_000);

  it('pause and resume answer 404 for an unknown target and 400 for a bad body', async () => {
    for (const path of ['/targets/nope/pause', '/targets/nope/resume', '/targets/NOT!/pause']) {
      const answer = await post(path);
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
      expect(answer.body).toEqual({ error: expect.any(String) });
    }
    for (const body of [{ reason: 5 }, { reason: '' }, { reason: 'x'.repeat(201) }, { why: 'because' }]) {
      const answer = await post('/targets/ff/pause', body);
      expect({ body, status: answer.status }).toEqual({ body, status: 400 });
    }
    expect(await target('ff')).toMatchObject({ paused: false });
  });

  for (const id of ['ff', 'rebase', 'reset']) {
    it(`rollback (${id}): moves the work tree back, runs the command, pauses; after resume a push deploys from there`, async () => {
      const { sha: older, deployment: olderDeployment } = await deployed(id);
      const { sha: newer } = await deployed(id);
      expect(await service.fixture(id).deployHead()).toBe(newer);

      const answer = await post<{ deploymentId: number }>(`/deployments/${olderDeployment.id}/rollback`);
      expect(answer).toEqual({ status: 202, body: { status: 'queued', deploymentId: expect.any(Number) } });
      const rollback = await service.settled(answer.body.deploymentId, WAIT_MS);
      expect(rollback).toMatchObject({
        target: id,
        trigger: 'rollback',
        rollbackOf: olderDeployment.id,
        status: 'succeeded',
        requestedSha: older,
        headBefore: newer,
        headAfter: older,
        deliveries: [],
      });
      expect(rollback.log).toContain(`ran rollback at ${older}`);
      expect(await service.fixture(id).deployHead()).toBe(older);
      expect(await git(service.fixture(id).deploy, 'status', '--porcelain')).toBe('');
      expect(await target(id)).toMatchObject({
        paused: true,
        pausedReason: `rolled back to deployment ${olderDeployment.id}`,
        head: older,
      });

      // The next push does not undo it while paused...
      const next = await push(id);
      await staysQueued(next.deploymentId);
      expect(await service.fixture(id).deployHead()).toBe(older);
      // ... and deploys normally from the older commit once resumed.
      await post(`/targets/${id}/resume`);
      const after = await service.settled(next.deploymentId, WAIT_MS);
      expect(after).toMatchObject({ status: 'succeeded', headBefore: older, headAfter: next.sha });
      expect(after.log).toContain(`ran push at ${next.sha}`);
      expect(await service.fixture(id).deployHead()).toBe(next.sha);
    }, 60_000);
  }

  it('rollback keeps the work-tree policy: a tracked local edit fails it (ff-only) and stays untouched', async () => {
    const { deployment: olderDeployment } = await deployed('ff');
    const { sha: newer } = await deployed('ff');
    const tree = service.fixture('ff').deploy;
    const [tracked] = (await git(tree, 'ls-files')).split('\n');
    await writeFile(join(tree, tracked!), 'an edit made on the server\n');
    const answer = await post<{ deploymentId: number }>(`/deployments/${olderDeployment.id}/rollback`);
    expect(answer.status).toBe(202);
    const rollback = await service.settled(answer.body.deploymentId, WAIT_MS);
    expect(rollback).toMatchObject({ status: 'failed', headBefore: newer, headAfter: newer });
    expect(rollback.error).toMatch(/uncommitted changes/);
    expect(await service.fixture('ff').deployHead()).toBe(newer);
    expect(await git(tree, 'status', '--porcelain')).toContain(tracked);
    await git(tree, 'checkout', '--', tracked!);
    await post('/targets/ff/resume');
  }, 60_000);

  it('rollback: 404 for an unknown deployment, 400 for a bad id, 409 for one that did not succeed', async () => {
    const rollbacksOfFf = async (): Promise<number[]> =>
      (await service.api<DeploymentSummary[]>('/deployments?target=ff&log=false')).body
        .filter((d) => d.trigger === 'rollback')
        .map((d) => d.id);
    const rollbacksBefore = await rollbacksOfFf();
    expect((await post('/deployments/999999/rollback')).status).toBe(404);
    expect((await post('/deployments/abc/rollback')).status).toBe(400);

    // A push of a commit origin does not have fails.
    const response = await service.deliver('ff', 'push', { after: 'f'.repeat(40) });
    const { deploymentId } = (await response.json()) as { deploymentId: number };
    expect((await service.settled(deploymentId, WAIT_MS)).status).toBe('failed');
    const refused = await post(`/deployments/${deploymentId}/rollback`);
    expect(refused).toEqual({ status: 409, body: { error: expect.stringMatching(/failed/) } });

    // A queued one (the paused target's waiting push) cannot be returned to either.
    await post('/targets/ff/pause');
    const waiting = await push('ff');
    const queued = await post(`/deployments/${waiting.deploymentId}/rollback`);
    expect(queued).toEqual({ status: 409, body: { error: expect.stringMatching(/queued/) } });
    await post('/targets/ff/resume');
    expect((await service.settled(waiting.deploymentId, WAIT_MS)).status).toBe('succeeded');
    // None of the refusals paused the target or queued anything.
    expect(await target('ff')).toMatchObject({ paused: false });
    expect(await rollbacksOfFf()).toEqual(rollbacksBefore);
  }, 60_000);

  it('a rollback waits apart from the waiting push, runs first (paused or not), and a second request redirects it', async () => {
    const { sha: a, deployment: deployedA } = await deployed('gated');
    const { sha: b, deployment: deployedB } = await deployed('gated');
    await writeFile(gate(), '');
    const running = await push('gated');
    await waitFor(
      'the gated deployment runs',
      async () => (await deployment(running.deploymentId)).status === 'running',
    );
    // The rollback waits first; a push then still gets a deployment of its own.
    const first = await post<{ deploymentId: number }>(`/deployments/${deployedA.id}/rollback`);
    expect(first.status).toBe(202);
    const waitingPush = await push('gated');
    expect(waitingPush.deploymentId).not.toBe(first.body.deploymentId);
    const second = await post<{ deploymentId: number }>(`/deployments/${deployedB.id}/rollback`);
    expect(second).toEqual({ status: 202, body: { status: 'queued', deploymentId: first.body.deploymentId } });
    // A push now still joins the waiting push deployment, not the rollback.
    const later = await push('gated');
    expect(later.deploymentId).toBe(waitingPush.deploymentId);
    expect(await deployment(first.body.deploymentId)).toMatchObject({
      status: 'queued',
      trigger: 'rollback',
      rollbackOf: deployedB.id,
      requestedSha: b,
      deliveries: [],
    });

    await rm(gate(), { force: true });
    expect((await service.settled(running.deploymentId, WAIT_MS)).status).toBe('succeeded');
    const rollback = await service.settled(first.body.deploymentId, WAIT_MS);
    expect(rollback).toMatchObject({ status: 'succeeded', headAfter: b, rollbackOf: deployedB.id });
    expect(rollback.headAfter).not.toBe(a);
    expect(await service.fixture('gated').deployHead()).toBe(b);
    expect(await target('gated')).toMatchObject({
      paused: true,
      pausedReason: `rolled back to deployment ${deployedB.id}`,
    });
    await staysQueued(waitingPush.deploymentId);

    await post('/targets/gated/resume');
    const resumed = await service.settled(waitingPush.deploymentId, WAIT_MS);
    expect(resumed).toMatchObject({ status: 'succeeded', headAfter: later.sha });
    expect(resumed.deliveries).toEqual([waitingPush.delivery, later.delivery]);
  }, 60_000);

  it('a pause survives a restart: the queued push stays queued until resumed', async () => {
    await post('/targets/paused/pause', { reason: 'over the restart' });
    const waiting = await push('paused');
    expect(await service.stop()).toBe(0);
    await service.launch();
    expect(await target('paused')).toMatchObject({ paused: true, pausedReason: 'over the restart' });
    await staysQueued(waiting.deploymentId);
    await post('/targets/paused/resume');
    expect(await service.settled(waiting.deploymentId, WAIT_MS)).toMatchObject({
      status: 'succeeded',
      headAfter: waiting.sha,
    });
  }, 60_000);

  it('a rollback killed with hookdeploy (SIGKILL) is marked interrupted, not redeployed; the target stays paused until resumed', async () => {
    const { sha: older, deployment: olderDeployment } = await deployed('gated');
    const { sha: newer } = await deployed('gated');
    await writeFile(gate(), '');
    const answer = await post<{ deploymentId: number }>(`/deployments/${olderDeployment.id}/rollback`);
    const logOf = async (id: number): Promise<string> =>
      (
        await fetch(`${service.url}/deployments/${id}/log`, {
          headers: { authorization: `Bearer ${TARGETS_ADMIN_TOKEN}` },
        })
      ).text();
    await waitFor('the rollback runs its command', async () =>
      (await logOf(answer.body.deploymentId)).includes('ran rollback'),
    );
    service.service.stop(); // SIGKILL
    await service.service.exitCode();
    await rm(gate(), { force: true });
    await service.launch();

    expect(await deployment(answer.body.deploymentId)).toMatchObject({ status: 'failed', error: 'interrupted' });
    expect(await target('gated')).toMatchObject({
      paused: true,
      pausedReason: `rolled back to deployment ${olderDeployment.id}`,
    });
    expect(await service.fixture('gated').deployHead()).toBe(older);
    // Redeploying the branch tip on its own would undo the rollback: the recovery queues nothing and says so.
    const waiting = (await service.api<DeploymentSummary[]>('/deployments?target=gated&status=queued&log=false')).body;
    expect(waiting).toEqual([]);
    expect(await logOf(answer.body.deploymentId)).toContain('it was a rollback; roll back again');
    // Resumed, the next push deploys as usual, from the commit the rollback left.
    await post('/targets/gated/resume');
    expect(await service.fixture('gated').deployHead()).toBe(older);
    const { sha: newest } = await deployed('gated');
    expect(newest).not.toBe(newer);
    expect(await service.fixture('gated').deployHead()).toBe(newest);
  }, 60_000);

  it('rollback of a deployment whose target a reload removed: 409, nothing queued', async () => {
    const { deployment: done } = await deployed('reset');
    await service.writeConfig([{ id: 'ff', forge: 'github', strategy: 'ff-only', command: SAYS }]);
    service.hangUp();
    await waitFor('the reload applies', async () => (await target('reset')) === undefined);
    const refused = await post(`/deployments/${done.id}/rollback`);
    expect(refused).toEqual({ status: 409, body: { error: expect.stringMatching(/no longer configured/) } });
    const queued = (await service.api<DeploymentSummary[]>('/deployments?status=queued&log=false')).body;
    expect(queued).toEqual([]);
  }, 60_000);
});
