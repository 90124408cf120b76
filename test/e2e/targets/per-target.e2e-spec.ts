import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pushPayload, signedDelivery } from '../../fixtures/deliveries.js';
import { GitFixture } from '../../fixtures/git-fixture.js';
import { LIVE_ADMIN_TOKEN, LiveService } from '../../fixtures/live-service.js';
import { TARGETS_ADMIN_TOKEN, TargetsService } from '../../fixtures/targets-service.js';

const WAIT_MS = 30_000;
/** Only in the environment: the file says `${ALPHA_SECRET}`. */
const ALPHA_SECRET = 'alpha-secret-from-env-7d1c9e0b';
const BETA_SECRET = 'beta-inline-secret-4a2f88c1';
/** In the environment from the start, referenced by the file only after a reload. */
const BETA_NEXT = 'beta-next-secret-from-env-e5d0a7';

describe('each target on its own: deduplication, DEPLOY_TARGET, secrets kept out of sight', () => {
  let service: TargetsService;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hookdeploy-env-'));
    const dumpEnv = (id: string): string => `env > '${join(dir, `${id}.env`)}'`;
    service = await TargetsService.start(
      [
        { id: 'alpha', forge: 'github', secrets: ['${ALPHA_SECRET}'], command: dumpEnv('alpha') },
        { id: 'beta', forge: 'github', secrets: [BETA_SECRET], command: dumpEnv('beta') },
      ],
      { env: { ALPHA_SECRET, BETA_NEXT } },
    );
  }, 60_000);

  afterAll(async () => {
    await service?.remove();
    await rm(dir, { recursive: true, force: true });
  });

  it('treats the same delivery id on two targets as two deliveries, and a repeat on one as a duplicate', async () => {
    const deliveryId = 'same-delivery-id-on-both';
    const sent = new Map<string, { sha: string; deploymentId: number }>();
    for (const [id, secret] of [
      ['alpha', ALPHA_SECRET],
      ['beta', BETA_SECRET],
    ] as const) {
      const sha = await service.commitAndPush(id);
      const response = await service.deliver(id, 'push', { after: sha, id: deliveryId, secret });
      expect(response.status).toBe(202);
      const body = (await response.json()) as { deploymentId: number; delivery: string };
      expect(body.delivery).toBe(deliveryId);
      sent.set(id, { sha, deploymentId: body.deploymentId });
    }
    expect(sent.get('alpha')!.deploymentId).not.toBe(sent.get('beta')!.deploymentId);
    for (const [id, { sha, deploymentId }] of sent) {
      expect(await service.settled(deploymentId, WAIT_MS)).toMatchObject({
        target: id,
        status: 'succeeded',
        headAfter: sha,
        deliveries: [deliveryId],
      });
    }
    const again = await service.deliver('alpha', 'push', {
      after: sent.get('alpha')!.sha,
      id: deliveryId,
      secret: ALPHA_SECRET,
    });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ status: 'duplicate', deploymentId: sent.get('alpha')!.deploymentId });

    // One target's secret is no good on another.
    expect((await service.deliver('beta', 'push', { secret: ALPHA_SECRET })).status).toBe(401);
  }, 60_000);

  it('gives the command DEPLOY_TARGET, and never a secret, in its environment, a log line or an answer', async () => {
    for (const id of ['alpha', 'beta']) {
      const env = await readFile(join(dir, `${id}.env`), 'utf8');
      expect(env).toMatch(new RegExp(`^DEPLOY_TARGET=${id}$`, 'm'));
      expect(env).toMatch(/^DEPLOY_SHA=[0-9a-f]{40}$/m);
      for (const secret of [ALPHA_SECRET, BETA_SECRET, TARGETS_ADMIN_TOKEN]) expect(env).not.toContain(secret);
      expect(env).not.toMatch(/^ALPHA_SECRET=/m);
    }

    // A reload that rotates beta to a secret from the environment: hidden from the next deploy on.
    await service.writeConfig([
      service.specs.get('alpha')!,
      { ...service.specs.get('beta')!, secrets: ['${BETA_NEXT}', BETA_SECRET] },
    ]);
    service.hangUp();
    await service.service.waitForLine(/SIGHUP: applied/, WAIT_MS);
    const sha = await service.commitAndPush('beta');
    const response = await service.deliver('beta', 'push', { after: sha, secret: BETA_NEXT });
    expect(response.status).toBe(202);
    const { deploymentId } = (await response.json()) as { deploymentId: number };
    expect(await service.settled(deploymentId, WAIT_MS)).toMatchObject({ status: 'succeeded', headAfter: sha });
    const env = await readFile(join(dir, 'beta.env'), 'utf8');
    expect(env).toMatch(new RegExp(`^DEPLOY_SHA=${sha}$`, 'm'));
    expect(env).not.toContain(BETA_NEXT);

    const answers = [
      ...(await Promise.all(
        ['/targets', '/deployments?limit=100', '/deliveries?limit=100'].map(async (path) =>
          JSON.stringify((await service.api(path)).body),
        ),
      )),
      await (await fetch(`${service.url}/health`)).text(),
      await (await fetch(`${service.url}/metrics`)).text(),
    ];
    for (const text of [...answers, service.service.text()]) {
      expect(text).not.toContain(ALPHA_SECRET);
      expect(text).not.toContain(BETA_SECRET);
      expect(text).not.toContain(BETA_NEXT);
    }
  }, 60_000);
});

describe('GITHUB_SECRET_PREVIOUS in env-only mode', () => {
  const PREVIOUS = 'the-previous-secret-9b3e1f';
  let fixture: GitFixture;
  let live: LiveService;

  beforeAll(async () => {
    fixture = await GitFixture.create();
    live = await LiveService.start(fixture, { GITHUB_SECRET_PREVIOUS: PREVIOUS });
  }, 60_000);

  afterAll(async () => {
    await live?.stop();
    await fixture?.remove();
  });

  it('accepts a delivery signed with the previous secret and counts which secret matched', async () => {
    const sha = await fixture.commitAndPush();
    const { headers, body } = signedDelivery(pushPayload({ after: sha, ref: `refs/heads/${fixture.branch}` }), {
      secret: PREVIOUS,
      id: 'signed-with-previous',
    });
    expect(await live.send(headers, body)).toMatchObject({ answered: true, status: 202 });
    const [deployment] = await live.settled(1, WAIT_MS);
    expect(deployment).toMatchObject({ status: 'succeeded', headAfter: sha, deliveries: ['signed-with-previous'] });

    const wrong = signedDelivery(pushPayload({ after: sha }), { secret: 'neither-secret', id: 'wrong' });
    expect(await live.send(wrong.headers, wrong.body)).toMatchObject({ answered: true, status: 401 });

    const metrics = await (await fetch(`http://127.0.0.1:${live.port}/metrics`)).text();
    expect(metrics).toMatch(/^hookdeploy_secret_matches_total\{target="default",secret="1"\} 1$/m);
    expect(metrics).not.toContain(PREVIOUS);
    const env = await live.api<unknown>('/deployments');
    expect(JSON.stringify(env)).not.toContain(PREVIOUS);
    expect(live.service.text()).not.toContain(PREVIOUS);
    expect(live.service.text()).not.toContain(LIVE_ADMIN_TOKEN);
  }, 60_000);
});
