import { expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { SITE, describeForgeContract, expectIgnored } from './forge-contract.js';

describeForgeContract('github', {
  rows(run) {
    it('takes X-Hub-Signature (SHA-1) alone, as older hooks send it', async () => {
      await expectIgnored(run.service, SITE, 'sha1 only', (id) => {
        const delivery = run.service.delivery(SITE, 'other-branch', { id });
        delete delivery.headers['x-hub-signature-256'];
        return run.service.post(SITE, delivery);
      });
    });

    it('lets X-Hub-Signature-256 decide when both are sent: a wrong one is 401 even beside a right SHA-1', async () => {
      const delivery = run.service.delivery(SITE, 'other-branch');
      delivery.headers['x-hub-signature-256'] =
        `sha256=${createHmac('sha256', 'not-the-secret').update(delivery.body).digest('hex')}`;
      expect((await run.service.post(SITE, delivery)).status).toBe(401);
    });
  },
});
