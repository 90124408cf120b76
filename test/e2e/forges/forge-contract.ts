import { expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { StoredDelivery } from '../../../src/domain/delivery-record.js';
import type { Deployment } from '../../../src/domain/deployment.js';
import { FORGE_NAMES, type ForgeName } from '../../../src/domain/forge-name.js';
import {
  SAME_SIGNATURE,
  TEST_DELIVERY_ANSWER,
  signedDelivery,
  type DeliveryKind,
  type ForgeDelivery,
} from '../../fixtures/forge-deliveries.js';
import type { TargetsService, TargetSpec } from '../../fixtures/targets-service.js';

/**
 * The contract's `POST /hooks/:id` rows, the same for every forge, against the built
 * process: each forge's real payloads and headers (test/fixtures/forge-deliveries.ts),
 * asserted through the API and the real work trees. One process serves every forge's
 * targets (test/e2e/forges.e2e-spec.ts), as one hookdeploy serves them in production.
 *
 * Per forge: `site` (named after the forge) is the target under test, its secrets
 * mid-rotation ([new, old]); `twin` is a second target of the same forge, for
 * deduplication per target.
 */

/** A forge's targets and rows in the shared process. */
export interface ForgeRun {
  readonly forge: ForgeName;
  /** The running service: read it inside a test, it starts in beforeAll. */
  readonly service: TargetsService;
  readonly site: string;
  readonly twin: string;
}

/** What a forge adds to the common rows: targets of its own, and rows for its quirks. */
export interface ForgeQuirks {
  targets?: TargetSpec[];
  rows?: (run: ForgeRun) => void;
}

export const newSecretOf = (forge: ForgeName): string => `${forge}-new-secret`;
export const oldSecretOf = (forge: ForgeName): string => `${forge}-old-secret`;

/** The targets the common rows use for `forge`. */
export function forgeTargets(forge: ForgeName): TargetSpec[] {
  return [
    { id: forge, forge, secrets: [newSecretOf(forge), oldSecretOf(forge)] },
    { id: `${forge}-twin`, forge },
  ];
}

/** The header a missing-event 400 names: the forge's own. */
const EVENT_HEADER: Record<ForgeName, string> = {
  github: 'X-GitHub-Event',
  gitea: 'X-Gitea-Event',
  forgejo: 'X-Forgejo-Event',
  gitlab: 'X-Gitlab-Event',
  bitbucket: 'X-Event-Key',
  'bitbucket-server': 'X-Event-Key',
};

/** What each forge's event header calls a push: the `event` label of its deliveries. */
const PUSH_EVENT: Record<ForgeName, string> = {
  github: 'push',
  gitea: 'push',
  forgejo: 'push',
  gitlab: 'Push Hook',
  bitbucket: 'repo:push',
  'bitbucket-server': 'repo:refs_changed',
};

const IGNORED_KINDS: readonly DeliveryKind[] = ['deletion', 'tag', 'other-branch', 'other-repository', 'other-event'];

/** The rows every forge runs, inside the forge's describe block. */
export function forgeContractRows(run: ForgeRun): void {
  const { forge, site, twin } = run;
  const newSecret = newSecretOf(forge);
  const oldSecret = oldSecretOf(forge);

  /** hookdeploy_deliveries_total for the site, labelled with the forge's own name of a push. */
  const pushesCounted = (outcome: string): Promise<number> =>
    run.service.metric('hookdeploy_deliveries_total', { target: site, event: PUSH_EVENT[forge], outcome });

  it('deploys a push: 202, the work tree moves to the pushed commit, the delivery is journaled', async () => {
    const queued = await pushesCounted('queued');
    const sha = await run.service.commitAndPush(site);
    const id = randomUUID();
    await expectDeployed(run.service, site, await run.service.deliver(site, 'push', { after: sha, id }), sha, id);
    expect(await pushesCounted('queued')).toBe(queued + 1);
  });

  it.each(IGNORED_KINDS)('answers a %s 200 ignored, journals it, and deploys nothing', async (kind) => {
    await expectIgnored(run.service, site, kind, (id) => run.service.deliver(site, kind, { id }));
  });

  it('refuses a delivery signed with a wrong secret: 401, nothing journaled, nothing deployed', async () => {
    const before = await snapshot(run.service, site);
    const failures = await signatureFailures(run.service, site);
    const id = randomUUID();
    const response = await run.service.deliver(site, 'push', { secret: 'not-the-secret', id });
    await expectRefused(run.service, site, response, id, before);
    expect(await signatureFailures(run.service, site)).toBe(failures + 1);
  });

  it('deploys a delivery signed with the old secret during a rotation, and counts it as secret 1', async () => {
    const labels = { target: site, secret: '1' };
    const counted = await run.service.metric('hookdeploy_secret_matches_total', labels);
    const sha = await run.service.commitAndPush(site);
    const id = randomUUID();
    const response = await run.service.deliver(site, 'push', { after: sha, id, secret: oldSecret });
    await expectDeployed(run.service, site, response, sha, id);
    expect(await run.service.metric('hookdeploy_secret_matches_total', labels)).toBe(counted + 1);
  });

  it('answers a redelivery 200 duplicate with the same deployment; the same id on another target is its own', async () => {
    const sha = await run.service.commitAndPush(site);
    const id = randomUUID();
    const first = await run.service.deliver(site, 'push', { after: sha, id });
    const { deploymentId } = await expectDeployed(run.service, site, first, sha, id);

    const duplicates = await pushesCounted('duplicate');
    const again = await run.service.deliver(site, 'push', { after: sha, id });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ status: 'duplicate', deploymentId });
    expect(await pushesCounted('duplicate')).toBe(duplicates + 1);
    const journaled = (await run.service.deliveries(site)).filter((row) => row.id === id);
    expect(journaled.map((row) => [row.outcome, row.deploymentId])).toEqual([
      ['duplicate', deploymentId],
      ['queued', deploymentId],
    ]);

    const twinSha = await run.service.commitAndPush(twin);
    const onTwin = await run.service.deliver(twin, 'push', { after: twinSha, id });
    const twinDeployment = await expectDeployed(run.service, twin, onTwin, twinSha, id);
    expect(twinDeployment.deploymentId).not.toBe(deploymentId);
  });

  const testAnswer = TEST_DELIVERY_ANSWER[forge];
  if (testAnswer === 'pong') {
    it("answers the forge's test delivery 200 pong and journals it", async () => {
      const before = await snapshot(run.service, site);
      const id = randomUUID();
      const response = await run.service.deliver(site, 'test', { id });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'pong' });
      expect(await journalOf(run.service, site, id)).toMatchObject({
        target: site,
        outcome: 'pong',
        statusCode: 200,
      });
      expect(await snapshot(run.service, site)).toEqual(before);
    });
  } else if (testAnswer === 'queued') {
    it("deploys the forge's test delivery: it is a real push of the branch's newest commit", async () => {
      const sha = await run.service.commitAndPush(site);
      const id = randomUUID();
      await expectDeployed(run.service, site, await run.service.deliver(site, 'test', { after: sha, id }), sha, id);
    });
  }
  // Bitbucket Cloud has no test button: nothing to answer.

  it('answers 400 naming the event header when every one is missing, after the signature passed', async () => {
    const before = await snapshot(run.service, site);
    const id = randomUUID();
    const delivery = run.service.delivery(site, 'push', { id });
    // Gitea and Forgejo fall back on GitHub's copy: every event header goes.
    const headers = Object.fromEntries(
      Object.entries(delivery.headers).filter(([name]) => !/-event(-key|-type)?$/.test(name)),
    );
    const response = await run.service.post(site, { headers, body: delivery.body });
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 400,
      body: { error: `missing ${EVENT_HEADER[forge]} header` },
    });
    expect(await journalOf(run.service, site, id)).toMatchObject({ outcome: 'rejected', statusCode: 400 });
    expect(await snapshot(run.service, site)).toEqual(before);
  });

  it('answers 415 to a body that is not JSON by content type (GitHub alone may send a form)', async () => {
    const json = run.service.delivery(site, 'other-branch').body.toString('utf8');
    const form = `payload=${encodeURIComponent(json)}`;
    const formDelivery = run.service.delivery(site, 'other-branch', { body: form });
    formDelivery.headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await run.service.post(site, formDelivery);
    if (forge === 'github') {
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ignored' });
    } else {
      expect(response.status).toBe(415);
      expect(await response.json()).toEqual({ error: expect.stringContaining('application/json') });
    }

    const text = run.service.delivery(site, 'other-branch');
    text.headers['content-type'] = 'text/plain';
    expect((await run.service.post(site, text)).status).toBe(415);
  });

  for (const from of FORGE_NAMES.filter((other) => other !== forge)) {
    if (SAME_SIGNATURE.has(`${from}→${forge}`)) {
      it(`takes ${from}'s headers as authentic only with the right secret (${from} signs alike)`, async () => {
        const signed = (secret: string): ForgeDelivery =>
          signedDelivery(from, 'other-branch', { secret, branch: run.service.fixture(site).branch });
        const response = await run.service.post(site, signed(newSecret));
        expect(response.status).toBe(200);
        expect(await response.json()).toMatchObject({ status: 'ignored' });
        expect((await run.service.post(site, signed('not-the-secret'))).status).toBe(401);
      });
    } else {
      it(`refuses ${from}'s headers 401 even signed with the right secret, journaling nothing`, async () => {
        const before = await snapshot(run.service, site);
        const id = randomUUID();
        const { headers, body } = signedDelivery(from, 'push', {
          secret: newSecret,
          branch: run.service.fixture(site).branch,
          id,
        });
        await expectRefused(run.service, site, await run.service.post(site, { headers, body }), id, before);
      });
    }
  }
}

/** 202 queued for `id`, then the deployment succeeds on `target` with the work tree at `sha`. */
export async function expectDeployed(
  service: TargetsService,
  target: string,
  response: Response,
  sha: string,
  id: string,
): Promise<{ deploymentId: number; deployment: Deployment }> {
  const answer = (await response.json()) as { status: string; deploymentId: number; delivery: string };
  expect({ status: response.status, answer }).toEqual({
    status: 202,
    answer: { status: 'queued', deploymentId: expect.any(Number), delivery: id },
  });
  const deployment = await service.settled(answer.deploymentId);
  expect(deployment).toMatchObject({ target, status: 'succeeded', requestedSha: sha, headAfter: sha });
  expect(deployment.deliveries).toContain(id);
  expect(await service.fixture(target).deployHead()).toBe(sha);
  expect(await journalOf(service, target, id)).toMatchObject({
    target,
    outcome: 'queued',
    statusCode: 202,
    sha,
    deploymentId: answer.deploymentId,
  });
  return { deploymentId: answer.deploymentId, deployment };
}

/** 200 ignored with a reason, journaled as such, and neither a deployment nor a moved work tree. */
export async function expectIgnored(
  service: TargetsService,
  target: string,
  what: string,
  send: (id: string) => Promise<Response>,
): Promise<string> {
  const before = await snapshot(service, target);
  const id = randomUUID();
  const response = await send(id);
  const answer = (await response.json()) as { status: string; reason: string };
  expect({ what, status: response.status, answer }).toEqual({
    what,
    status: 200,
    answer: { status: 'ignored', reason: expect.any(String) },
  });
  expect(await journalOf(service, target, id)).toMatchObject({
    target,
    outcome: 'ignored',
    statusCode: 200,
    reason: answer.reason,
    deploymentId: null,
  });
  expect(await snapshot(service, target)).toEqual(before);
  return answer.reason;
}

/** 401 with an error that names no secret; no journal row on any target; nothing deployed. */
export async function expectRefused(
  service: TargetsService,
  target: string,
  response: Response,
  id: string,
  before: Snapshot,
): Promise<void> {
  const text = await response.text();
  expect({ status: response.status, body: JSON.parse(text) as unknown }).toEqual({
    status: 401,
    body: { error: expect.any(String) },
  });
  for (const secret of service.secrets(target)) expect(text).not.toContain(secret);
  const { body: everyTarget } = await service.api<StoredDelivery[]>('/deliveries?limit=500');
  expect(everyTarget.filter((row) => row.id === id)).toEqual([]);
  expect(await snapshot(service, target)).toEqual(before);
}

interface Snapshot {
  head: string;
  deployments: number;
}

/** The target's work tree head and how many deployments it has had. */
export async function snapshot(service: TargetsService, target: string): Promise<Snapshot> {
  const { body } = await service.api<Deployment[]>(`/deployments?target=${target}&log=false&limit=500`);
  return { head: await service.fixture(target).deployHead(), deployments: body.length };
}

export async function journalOf(service: TargetsService, target: string, id: string): Promise<StoredDelivery> {
  const rows = (await service.deliveries(target)).filter((row) => row.id === id);
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

function signatureFailures(service: TargetsService, target: string): Promise<number> {
  return service.metric('hookdeploy_signature_failures_total', { target });
}
