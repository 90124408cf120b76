import { expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { expectIgnored, type ForgeQuirks } from './forge-contract.js';

export const githubQuirks: ForgeQuirks = {
  rows(run) {
    const { site } = run;
    it('takes X-Hub-Signature (SHA-1) alone, as older hooks send it', async () => {
      await expectIgnored(run.service, site, 'sha1 only', (id) => {
        const delivery = run.service.delivery(site, 'other-branch', { id });
        delete delivery.headers['x-hub-signature-256'];
        return run.service.post(site, delivery);
      });
    });

    it('lets X-Hub-Signature-256 decide when both are sent: a wrong one is 401 even beside a right SHA-1', async () => {
      const delivery = run.service.delivery(site, 'other-branch');
      delivery.headers['x-hub-signature-256'] =
        `sha256=${createHmac('sha256', 'not-the-secret').update(delivery.body).digest('hex')}`;
      expect((await run.service.post(site, delivery)).status).toBe(401);
    });
  },
};
