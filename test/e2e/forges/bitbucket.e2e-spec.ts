import { expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { ForgePayload } from '../../fixtures/forge-deliveries.js';
import { SITE, describeForgeContract, expectDeployed, expectIgnored } from './forge-contract.js';

/** A copy of the push's first change, moved to `branch` at `hash`: another ref the same push updated. */
function otherChange(payload: ForgePayload, branch: string, hash: string): ForgePayload {
  const change = structuredClone(payload.push.changes[0]) as ForgePayload;
  change.new.name = change.old.name = branch;
  change.new.target.hash = hash;
  return change;
}

// Bitbucket Cloud has no test button, so no test delivery row.
describeForgeContract('bitbucket', {
  rows(run) {
    it('deploys from push.changes[] when the deployed branch is not the first change', async () => {
      const sha = await run.service.commitAndPush(SITE);
      const id = randomUUID();
      const response = await run.service.deliver(SITE, 'push', {
        after: sha,
        id,
        edit: (payload) => payload.push.changes.unshift(otherChange(payload, 'feature', 'b'.repeat(40))),
      });
      await expectDeployed(run.service, SITE, response, sha, id);
    });

    it('ignores a push whose change of the deployed branch is its deletion, even after another branch', async () => {
      const reason = await expectIgnored(run.service, SITE, 'deleted second', (id) =>
        run.service.deliver(SITE, 'deletion', {
          id,
          edit: (payload) => {
            const other = otherChange(payload, 'feature', 'b'.repeat(40));
            other.new.target.hash = 'b'.repeat(40);
            other.closed = false;
            payload.push.changes.unshift(other);
          },
        }),
      );
      expect(reason).toBe('refs/heads/main was deleted');
    });

    it('ignores a push that only updates other branches, naming the first', async () => {
      const reason = await expectIgnored(run.service, SITE, 'only others', (id) =>
        run.service.deliver(SITE, 'other-branch', {
          id,
          edit: (payload) => payload.push.changes.push(otherChange(payload, 'feature', 'c'.repeat(40))),
        }),
      );
      expect(reason).toContain('refs/heads/main-other');
    });
  },
});
