import { expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { expectDeployed, expectIgnored, expectRefused, snapshot, type ForgeQuirks } from './forge-contract.js';

/** A target whose secret is a Standard Webhooks signing key (GitLab's signing token). */
const SIGNED = 'gitlab-signed';
const SIGNING_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const MINUTE = 60_000;

// Events a project or group hook may send besides pushes (the common rows send the real
// Issue Hook and Tag Push Hook). The bodies are not read: any event but a push is 200
// ignored, else GitLab disables a hook that "keeps failing".
const OTHER_EVENTS = [
  'Merge Request Hook',
  'Note Hook',
  'Pipeline Hook',
  'Job Hook',
  'Deployment Hook',
  'Release Hook',
  'Wiki Page Hook',
  'Member Hook',
  'Emoji Hook',
  'Confidential Issue Hook',
  'System Hook',
];

export const gitlabQuirks: ForgeQuirks = {
  targets: [{ id: SIGNED, forge: 'gitlab', secrets: [SIGNING_SECRET] }],
  rows(run) {
    const { site } = run;
    it.each(OTHER_EVENTS)('answers %s 200 ignored, never a 4xx', async (event) => {
      const reason = await expectIgnored(run.service, site, event, (id) => {
        const delivery = run.service.delivery(site, 'other-event', { id });
        delivery.headers['x-gitlab-event'] = event;
        return run.service.post(site, delivery);
      });
      expect(reason).toContain(event);
    });

    it('ignores a Push Hook whose object_kind is tag_push', async () => {
      const reason = await expectIgnored(run.service, site, 'tag_push', (id) =>
        run.service.deliver(site, 'push', {
          id,
          edit: (payload) => Object.assign(payload, { object_kind: 'tag_push', ref: 'refs/tags/v2.0.0' }),
        }),
      );
      expect(reason).toContain('refs/tags/v2.0.0');
    });

    it('deduplicates on X-Gitlab-Event-UUID when Idempotency-Key is missing (older GitLab)', async () => {
      const sha = await run.service.commitAndPush(site);
      const eventUuid = randomUUID();
      const send = (): Promise<Response> => {
        const delivery = run.service.delivery(site, 'push', { after: sha });
        delete delivery.headers['idempotency-key'];
        delivery.headers['x-gitlab-event-uuid'] = eventUuid;
        return run.service.post(site, delivery);
      };
      const { deploymentId } = await expectDeployed(run.service, site, await send(), sha, eventUuid);
      const again = await send();
      expect({ status: again.status, body: await again.json() }).toEqual({
        status: 200,
        body: { status: 'duplicate', deploymentId },
      });
    });

    it('Standard Webhooks: deploys a push whose webhook-signature is valid', async () => {
      const sha = await run.service.commitAndPush(SIGNED);
      const id = randomUUID();
      const response = await run.service.deliver(SIGNED, 'push', { after: sha, id });
      await expectDeployed(run.service, SIGNED, response, sha, id);
    });

    it('Standard Webhooks: takes a signature 4 minutes old (inside the 5-minute window)', async () => {
      await expectIgnored(run.service, SIGNED, 'four minutes old', (id) =>
        run.service.deliver(SIGNED, 'other-branch', { id, now: new Date(Date.now() - 4 * MINUTE) }),
      );
    });

    it.each([
      ['older than 5 minutes', { now: new Date(Date.now() - 6 * MINUTE) }],
      ['more than 5 minutes ahead', { now: new Date(Date.now() + 6 * MINUTE) }],
      ['signed with another key', { secret: `whsec_${randomBytes(32).toString('base64')}` }],
    ])('Standard Webhooks: refuses a signature %s with 401, journaling nothing', async (_, options) => {
      const before = await snapshot(run.service, SIGNED);
      const sha = await run.service.commitAndPush(SIGNED);
      const id = randomUUID();
      const response = await run.service.deliver(SIGNED, 'push', { after: sha, id, ...options });
      await expectRefused(run.service, SIGNED, response, id, before);
    });

    it('Standard Webhooks: refuses a body changed after signing', async () => {
      const before = await snapshot(run.service, SIGNED);
      const sha = await run.service.commitAndPush(SIGNED);
      const id = randomUUID();
      const delivery = run.service.delivery(SIGNED, 'other-branch', { id });
      const changed = run.service.delivery(SIGNED, 'push', { after: sha, id });
      const response = await run.service.post(SIGNED, { headers: delivery.headers, body: changed.body });
      await expectRefused(run.service, SIGNED, response, id, before);
    });

    it('Standard Webhooks: a plain X-Gitlab-Token that is not the secret is 401', async () => {
      const before = await snapshot(run.service, SIGNED);
      const id = randomUUID();
      const response = await run.service.deliver(SIGNED, 'push', { id, secret: 'a-plain-token' });
      await expectRefused(run.service, SIGNED, response, id, before);
    });
  },
};
