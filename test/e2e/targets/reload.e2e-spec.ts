import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { readFile, writeFile } from 'node:fs/promises';
import type { Deployment, DeploymentSummary } from '../../../src/domain/deployment.js';
import type { TargetView } from '../../../src/deployments/targets.controller.js';
import { DeployTrace } from '../../fixtures/deploy-trace.js';
import { GitFixture } from '../../fixtures/git-fixture.js';
import { LiveService } from '../../fixtures/live-service.js';
import { removeWithTrace, TargetsService, type TargetSpec } from '../../fixtures/targets-service.js';
import { waitFor } from '../../fixtures/wait.js';

const WAIT_MS = 30_000;

/** Lines of the process's output matching `pattern` so far. */
const count = (service: TargetsService, pattern: RegExp): number =>
  service.service.output.filter((line) => pattern.test(line)).length;

/** Sends SIGHUP and waits for the reload's outcome line (applied, or invalid). */
async function hangUpAndWait(service: TargetsService, outcome: RegExp): Promise<void> {
  const before = count(service, outcome);
  service.hangUp();
  await waitFor(`a new line matching ${outcome}`, () => count(service, outcome) > before, WAIT_MS).catch(
    (error: Error) => {
      throw new Error(`${error.message}\n${service.service.text()}`);
    },
  );
}

const APPLIED = /SIGHUP: applied/;
const INVALID = /SIGHUP: .* is invalid/;

async function deployed(service: TargetsService, id: string): Promise<Deployment> {
  const sha = await service.commitAndPush(id);
  const response = await service.deliver(id, 'push', { after: sha });
  expect(response.status).toBe(202);
  const { deploymentId } = (await response.json()) as { deploymentId: number };
  const deployment = await service.settled(deploymentId, WAIT_MS);
  expect(deployment).toMatchObject({ target: id, status: 'succeeded', headAfter: sha });
  return deployment;
}

const ids = async (service: TargetsService): Promise<string[]> =>
  (await service.api<TargetView[]>('/targets')).body.map((target) => target.id);

describe('SIGHUP re-reads the targets file', () => {
  let service: TargetsService;
  let trace: DeployTrace;
  let specs: TargetSpec[];

  beforeAll(async () => {
    trace = await DeployTrace.create();
    specs = [
      { id: 'keep', forge: 'github', command: 'echo kept' },
      { id: 'gone', forge: 'gitlab', command: trace.command(0, { gated: true }) },
      { id: 'change', forge: 'gitea', command: `echo command-v1; ${trace.command(0, { gated: true })}` },
    ];
    service = await TargetsService.start(specs, { env: { MAX_PARALLEL_DEPLOYS: '4' } });
  }, 60_000);

  afterAll(() => removeWithTrace(service, trace));

  afterEach(() => trace.openGate());

  it('applies a valid file: new targets served, removed ones 404 while their deploy finishes, changes from the next deploy', async () => {
    await trace.closeGate();
    const push = async (id: string): Promise<number> => {
      const response = await service.deliver(id, 'push', { after: await service.commitAndPush(id) });
      expect(response.status).toBe(202);
      return ((await response.json()) as { deploymentId: number }).deploymentId;
    };
    // Both gated targets deploy (and wait) while the file changes.
    const goneRunning = await push('gone');
    const changeRunning = await push('change');
    await waitFor(
      'both gated deploys run their command',
      async () => (await trace.events()).filter((e) => e.kind === 'start').length === 2,
      WAIT_MS,
    );

    specs = [
      specs[0]!,
      { id: 'change', forge: 'gitea', command: 'echo command-v2' },
      { id: 'fresh', forge: 'bitbucket-server', command: 'echo "fresh $DEPLOY_TARGET"' },
    ];
    await service.writeConfig(specs);
    await hangUpAndWait(service, APPLIED);

    expect(await ids(service)).toEqual(['keep', 'change', 'fresh']);
    // Removed: 404 at once, even while its deploy still runs.
    const toGone = await service.deliver('gone', 'push', { after: await service.fixture('gone').originHead() });
    expect(toGone.status).toBe(404);
    expect(await toGone.json()).toEqual({ error: expect.any(String) });
    expect((await service.api<Deployment>(`/deployments/${goneRunning}`)).body.status).toBe('running');

    // Changed while deploying: this deploy keeps the old command, the next one takes the new.
    const changeNext = await push('change');
    await trace.openGate();
    expect(await service.settled(goneRunning, WAIT_MS)).toMatchObject({ target: 'gone', status: 'succeeded' });
    const before = await service.settled(changeRunning, WAIT_MS);
    expect(before).toMatchObject({ status: 'succeeded' });
    expect(before.log).toContain('command-v1');
    const after = await service.settled(changeNext, WAIT_MS);
    expect(after).toMatchObject({ status: 'succeeded' });
    expect(after.log).toContain('command-v2');
    expect(after.log).not.toContain('command-v1');

    // New: served and deploying.
    expect((await deployed(service, 'fresh')).log).toContain('fresh fresh');
    await deployed(service, 'keep');
    // The removed target's history stays.
    const gone = (await service.api<DeploymentSummary[]>('/deployments?target=gone&log=false')).body;
    expect(gone.map((d) => d.id)).toEqual([goneRunning]);
  }, 90_000);

  it('keeps the running configuration when the file is invalid, and logs each problem with its place', async () => {
    const valid = await readFile(service.configPath, 'utf8');
    const broken = valid
      .replace('    forge: gitea\n', '    forge: gitea\n    colour: blue\n')
      .replace(/(- id: fresh\n)/, '$1    strategy: sideways\n');
    expect(broken).not.toBe(valid);
    await writeFile(service.configPath, broken);
    await hangUpAndWait(service, INVALID);
    await waitFor('both problems logged', () => count(service, /targets\[2\]\.strategy/) > 0, WAIT_MS);
    expect(service.service.text()).toMatch(/targets\[1\]\.colour: unknown key/);

    expect(await ids(service)).toEqual(['keep', 'change', 'fresh']);
    for (const id of ['keep', 'change', 'fresh']) await deployed(service, id);
    expect((await service.deliver('gone', 'push')).status).toBe(404);

    // A file that no longer exists, or is not YAML, changes nothing either.
    await writeFile(service.configPath, 'targets: [\n');
    await hangUpAndWait(service, INVALID);
    expect(await ids(service)).toEqual(['keep', 'change', 'fresh']);
    await deployed(service, 'keep');
    await writeFile(service.configPath, valid);
  }, 90_000);

  it('loses no delivery to a kept target while reloads happen', async () => {
    const keep = service.fixture('keep');
    const shas: string[] = [];
    for (let i = 0; i < 20; i++) shas.push(await keep.commit(`during reload ${i}`));
    await keep.push();
    const accepted: string[] = [];
    const statuses: number[] = [];
    let streaming = true;
    const stream = (async () => {
      for (const sha of shas) {
        const response = await service.deliver('keep', 'push', { after: sha });
        statuses.push(response.status);
        if (response.status === 202) accepted.push(((await response.json()) as { delivery: string }).delivery);
      }
      streaming = false;
    })();
    // Reloads for as long as the stream lasts (at least three, at most ten): the same
    // targets, one more, back again.
    const choices = [specs, [...specs, { id: 'extra', forge: 'github' } as TargetSpec]];
    let reloads = 0;
    let duringStream = 0;
    while ((streaming || reloads < 3) && reloads < 10) {
      await service.writeConfig(choices[reloads % 2]!);
      await hangUpAndWait(service, APPLIED);
      if (streaming) duringStream++;
      reloads++;
    }
    await stream;
    await service.writeConfig(specs);
    await hangUpAndWait(service, APPLIED);

    expect(duringStream).toBeGreaterThan(0);
    expect(statuses).toEqual(shas.map(() => 202));
    const deployments = await service.settledDeployments(0, 'keep', WAIT_MS);
    const covered = new Set(deployments.filter((d) => d.status === 'succeeded').flatMap((d) => d.deliveries));
    expect(accepted.filter((delivery) => !covered.has(delivery))).toEqual([]);
    expect(await keep.deployHead()).toBe(shas.at(-1));
  }, 90_000);
});

describe('SIGHUP in env-only mode', () => {
  let fixture: GitFixture;
  let live: LiveService;

  afterAll(async () => {
    await live?.stop();
    await fixture?.remove();
  });

  it('is ignored and logged: the service keeps running and deploying', async () => {
    fixture = await GitFixture.create();
    live = await LiveService.start(fixture);
    live.service.child.kill('SIGHUP');
    await live.service.waitForLine(/SIGHUP ignored/, WAIT_MS);
    expect(live.alive).toBe(true);
    const sha = await fixture.commitAndPush();
    const exchange = await live.deliverPush(sha, 'after-sighup');
    expect(exchange).toMatchObject({ answered: true, status: 202 });
    const [deployment] = await live.settled(1, WAIT_MS);
    expect(deployment).toMatchObject({ status: 'succeeded', headAfter: sha });
  }, 60_000);

  it('does not kill the process when it comes during start-up', async () => {
    await live.stop();
    live = new LiveService(fixture);
    const starting = live.start();
    // The first line comes while the application is still being built, long before it listens.
    await live.service.waitForLine(/./, WAIT_MS);
    live.service.child.kill('SIGHUP');
    await starting;
    await live.service.waitForLine(/SIGHUP ignored/, WAIT_MS);
    expect(live.alive).toBe(true);
  }, 60_000);
});

/** A reload while a removed target's deploy still runs must not start a second deploy on its work tree. */
describe('SIGHUP while a removed target still deploys', () => {
  let service: TargetsService;
  let trace: DeployTrace;

  beforeEach(async () => {
    trace = await DeployTrace.create();
    await trace.closeGate();
    service = await TargetsService.start(
      [
        { id: 'keep', forge: 'github' },
        { id: 'flip', forge: 'gitlab', command: trace.command(0.3, { gated: true }) },
      ],
      { env: { MAX_PARALLEL_DEPLOYS: '4' } },
    );
  }, 60_000);

  afterEach(() => removeWithTrace(service, trace));

  const push = async (id: string): Promise<number> => {
    const response = await service.deliver(id, 'push', { after: await service.commitAndPush(id) });
    expect(response.status).toBe(202);
    return ((await response.json()) as { deploymentId: number }).deploymentId;
  };
  const started = async (n: number): Promise<void> =>
    waitFor(
      `${n} gated command(s) started`,
      async () => (await trace.events()).filter((e) => e.kind === 'start').length >= n,
      WAIT_MS,
    );

  it('removed then added back: its running deploy finishes as it would have, and the next one waits for it', async () => {
    const running = await push('flip');
    await started(1);
    await service.writeConfig([{ id: 'keep', forge: 'github' }]);
    await hangUpAndWait(service, APPLIED);
    await service.writeConfig([
      { id: 'keep', forge: 'github' },
      { id: 'flip', forge: 'gitlab', command: trace.command(0.3, { gated: true }) },
    ]);
    await hangUpAndWait(service, APPLIED);
    const next = await push('flip');
    await trace.openGate();

    expect(await service.settled(running, WAIT_MS)).toMatchObject({ status: 'succeeded', error: null });
    expect(await service.settled(next, WAIT_MS)).toMatchObject({ status: 'succeeded' });
    expect(DeployTrace.maxConcurrent(await trace.events())).toBe(1);
    expect(await service.fixture('flip').deployHead()).toBe(await service.fixture('flip').originHead());
  }, 60_000);

  it("renamed (a new id on the same work tree): the new target waits for the old one's deploy", async () => {
    const running = await push('flip');
    await started(1);
    await service.writeConfig([
      { id: 'keep', forge: 'github' },
      { id: 'flop', forge: 'gitlab', repoOf: 'flip', command: trace.command(0.3, { gated: true }) },
    ]);
    await hangUpAndWait(service, APPLIED);
    const next = await push('flop');
    // Give a wrongly parallel deploy the time to start before the gate opens.
    await new Promise((done) => setTimeout(done, 1500));
    await trace.openGate();

    expect(await service.settled(running, WAIT_MS)).toMatchObject({ status: 'succeeded' });
    expect(await service.settled(next, WAIT_MS)).toMatchObject({ target: 'flop', status: 'succeeded' });
    expect(DeployTrace.maxConcurrent(await trace.events())).toBe(1);
  }, 60_000);
});
