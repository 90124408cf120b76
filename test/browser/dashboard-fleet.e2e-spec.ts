import { afterAll, expect, it } from '@jest/globals';
import { describeWithRedis } from '../fixtures/describe-with-redis.js';
import { Fleet, FLEET_ADMIN_TOKEN } from '../fixtures/fleet.js';
import { RedisServer } from '../fixtures/redis-server.js';
import { waitFor } from '../fixtures/wait.js';
import { openPhonePage, type PhonePage } from './phone-page.js';

const STEP_MS = 90_000;

describeWithRedis('the dashboard with a fleet deployment, in a real browser', () => {
  let redis: RedisServer | undefined;
  let fleet: Fleet | undefined;
  let phone: PhonePage | undefined;

  afterAll(async () => {
    await phone?.browser.close();
    await fleet?.remove();
    await redis?.remove();
  }, STEP_MS);

  it(
    'shows each host: its status, its error and its own log',
    async () => {
      redis = await RedisServer.start();
      fleet = await Fleet.create(redis);
      await fleet.startHub({ hosts: ['web-1', 'web-2'], hostTimeoutSeconds: 3 });
      await fleet.addAgent('web-1', { command: 'echo hello from web-1' });
      const { deploymentId } = await fleet.push();
      expect((await fleet.settled(deploymentId)).status).toBe('failed');

      phone = await openPhonePage();
      const { page } = phone;
      await page.goto(`${fleet.hubUrl}/#/deployments/${deploymentId}`);
      await page.getByTestId('token-input').fill(FLEET_ADMIN_TOKEN);
      await page.getByTestId('login-submit').click();
      await waitFor('the hosts show', async () => (await page.getByTestId('host-web-2').count()) === 1, 30_000);

      expect(await page.getByTestId('detail-hosts').locator('h3').textContent()).toBe('Hosts (1 of 2 succeeded)');
      expect(await page.getByTestId('host-status-web-1').getAttribute('data-status')).toBe('succeeded');
      expect(await page.getByTestId('host-status-web-2').getAttribute('data-status')).toBe('failed');
      expect(await page.getByTestId('host-web-2').textContent()).toContain('host offline');
      await page.getByTestId('host-web-1').locator('summary').click();
      expect(await page.getByTestId('host-web-1').locator('pre').textContent()).toContain('hello from web-1');

      // The cards (shown from two targets on: a second, in-place one is added to the hub's real
      // answer): the fleet target's card names each host with its newest outcome, not a HEAD.
      await page.route('**/targets', async (route) => {
        const response = await route.fetch();
        const targets = (await response.json()) as Record<string, unknown>[];
        const inPlace = {
          ...targets[0],
          id: 'docs',
          hosts: undefined,
          status: 'ok',
          head: 'a'.repeat(40),
          repoPath: '/srv/docs',
        };
        await route.fulfill({ response, json: [...targets, inPlace] });
      });
      await page.goto(`${fleet.hubUrl}/#/`);
      await waitFor(
        'both cards show',
        async () =>
          (await page.getByTestId('target-hosts').count()) === 1 &&
          (await page.getByTestId('target-head').count()) === 1,
        30_000,
      );
      const hostsLine = page.getByTestId('target-hosts');
      expect(await hostsLine.textContent()).toBe('hosts web-1 Succeeded, web-2 Failed');
      expect(await page.locator('[data-id=docs]').getByTestId('target-head').textContent()).toBe('HEAD aaaaaaa');
      expect(await page.locator('[data-id=site]').getByTestId('target-head').count()).toBe(0);
      expect(phone.problems).toEqual([]);
    },
    STEP_MS,
  );
});
