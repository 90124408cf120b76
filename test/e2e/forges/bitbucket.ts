import { expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { ForgePayload } from '../../fixtures/forge-deliveries.js';
import { expectDeployed, expectIgnored, type ForgeQuirks } from './forge-contract.js';

/**
 * Another branch's update in the same push: a copy of the first change's ref (as it was
 * before any deletion), renamed to `branch` and moved from `d…` to `hash`.
 */
function otherChange(payload: ForgePayload, branch: string, hash: string): ForgePayload {
  const first = payload.push.changes[0] as ForgePayload;
  const ref = (): ForgePayload => ({ ...structuredClone(first.new ?? first.old), name: branch });
  const change = { ...structuredClone(first), new: ref(), old: ref(), closed: false, created: false };
  change.new.target.hash = hash;
  change.old.target.hash = 'd'.repeat(40);
  return change;
}

// Bitbucket Cloud has no test button, so no test delivery row.
export const bitbucketQuirks: ForgeQuirks = {
  rows(run) {
    const { site } = run;
    it('deploys from push.changes[] when the deployed branch is not the first change', async () => {
      const sha = await run.service.commitAndPush(site);
      const id = randomUUID();
      const response = await run.service.deliver(site, 'push', {
        after: sha,
        id,
        edit: (payload) => payload.push.changes.unshift(otherChange(payload, 'feature', 'b'.repeat(40))),
      });
      await expectDeployed(run.service, site, response, sha, id);
    });

    it('ignores a push whose change of the deployed branch is its deletion, even after another branch', async () => {
      const reason = await expectIgnored(run.service, site, 'deleted second', (id) =>
        run.service.deliver(site, 'deletion', {
          id,
          edit: (payload) => payload.push.changes.unshift(otherChange(payload, 'feature', 'b'.repeat(40))),
        }),
      );
      expect(reason).toBe('refs/heads/main was deleted');
    });

    it('ignores a push that only updates other branches, naming the first', async () => {
      const reason = await expectIgnored(run.service, site, 'only others', (id) =>
        run.service.deliver(site, 'other-branch', {
          id,
          edit: (payload) => payload.push.changes.push(otherChange(payload, 'feature', 'c'.repeat(40))),
        }),
      );
      expect(reason).toContain('refs/heads/main-other');
    });
  },
};
