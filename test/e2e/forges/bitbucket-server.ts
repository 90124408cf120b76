import { expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { ForgePayload } from '../../fixtures/forge-deliveries.js';
import { expectDeployed, expectIgnored, type ForgeQuirks } from './forge-contract.js';

/** One entry of `changes[]` for `refId`, as Bitbucket Data Center writes it. */
function change(refId: string, displayId: string, toHash: string): ForgePayload {
  const type = refId.startsWith('refs/tags/') ? 'TAG' : 'BRANCH';
  return { ref: { id: refId, displayId, type }, refId, fromHash: 'e'.repeat(40), toHash, type: 'UPDATE' };
}

export const bitbucketServerQuirks: ForgeQuirks = {
  rows(run) {
    const { site } = run;
    it('deploys from changes[] the entry whose ref.id is the deployed branch, wherever it is', async () => {
      const sha = await run.service.commitAndPush(site);
      const id = randomUUID();
      const response = await run.service.deliver(site, 'push', {
        after: sha,
        id,
        edit: (payload) => payload.changes.unshift(change('refs/heads/feature', 'feature', 'b'.repeat(40))),
      });
      await expectDeployed(run.service, site, response, sha, id);
    });

    it.each([
      ['a tag named like the branch', 'refs/tags/main', 'tag push refs/tags/main'],
      ['a branch whose displayId is the branch', 'refs/heads/release/main', 'push to refs/heads/release/main'],
    ])('matches ref.id, not displayId: ignores %s', async (_, refId, reason) => {
      const sha = await run.service.commitAndPush(site);
      const answered = await expectIgnored(run.service, site, refId, (id) =>
        run.service.deliver(site, 'push', { id, edit: (payload) => (payload.changes = [change(refId, 'main', sha)]) }),
      );
      expect(answered).toContain(reason);
    });

    it('compares <project.key>/<slug> with the repository case-insensitively', async () => {
      const sha = await run.service.commitAndPush(site);
      const id = randomUUID();
      const response = await run.service.deliver(site, 'push', {
        after: sha,
        id,
        edit: (payload) => {
          payload.repository.project.key = 'proj';
          payload.repository.slug = 'REPOSITORY';
        },
      });
      await expectDeployed(run.service, site, response, sha, id);
    });
  },
};
