import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Deployment } from '../../src/domain/deployment.js';
import { fixtureDefaults } from '../fixtures/forge-deliveries.js';
import { TARGETS_ADMIN_TOKEN, TargetsService } from '../fixtures/targets-service.js';
import { waitFor } from '../fixtures/wait.js';
import { fitsThePhone, openPhonePage, type PhonePage } from './phone-page.js';

/** Shared, slow machines: generous, and every wait is on a condition. */
const STEP_MS = 60_000;
const WAIT_MS = 30_000;

describe('the dashboard with several targets, in a real browser', () => {
  let targets: TargetsService | undefined;
  let phone: PhonePage | undefined;
  let page: Page;
  /** The push delivered to `site` before the page opened. */
  let sitePush: Deployment;
  let apiDeploymentId: number;

  const testId = (id: string) => page.getByTestId(id);
  const card = (id: string) => page.locator(`[data-testid="target"][data-id="${id}"]`);
  const row = (id: number) => page.locator(`[data-testid="deployment-row"][data-id="${id}"]`);
  const until = (what: string, condition: () => Promise<boolean>) => waitFor(what, condition, WAIT_MS);
  const hash = () => page.evaluate<string>('location.hash');
  /** The ids of the rows shown, ascending. */
  const shownRows = async () => {
    const rows = await page.locator('[data-testid="deployment-row"]').all();
    const ids = await Promise.all(rows.map((element) => element.getAttribute('data-id')));
    return ids.map(Number).sort((a, b) => a - b);
  };
  const deploymentsOf = async (target: string) =>
    (await targets!.api<Deployment[]>(`/deployments?log=false&target=${target}`)).body.map((d) => d.id);

  beforeAll(async () => {
    targets = await TargetsService.start([
      { id: 'site', forge: 'github' },
      { id: 'api', forge: 'gitlab' },
      { id: 'broken', forge: 'gitea' },
    ]);
    // A work tree that stopped being one after the start: GET /targets reports it, the page must show it.
    const broken = targets.fixture('broken').deploy;
    await rename(join(broken, '.git'), join(broken, 'not-git'));

    const sha = await targets.commitAndPush('site', 'a push before the page opens');
    const answer = await targets.deliver('site', 'push', { after: sha });
    expect(answer.status).toBe(202);
    sitePush = await targets.settled(((await answer.json()) as { deploymentId: number }).deploymentId);
    expect(sitePush).toMatchObject({ target: 'site', status: 'succeeded', headAfter: sha });

    phone = await openPhonePage();
    page = phone.page;
  }, STEP_MS);

  afterAll(async () => {
    await phone?.browser.close();
    await targets?.remove();
  }, STEP_MS);

  it(
    'shows every target: id, forge, branch, HEAD (linked only on GitHub) or its error, and the last deployment',
    async () => {
      await page.goto(`${targets!.url}/`);
      await testId('token-input').fill(TARGETS_ADMIN_TOKEN);
      await testId('login-submit').click();
      await until('the three targets show', async () => (await page.getByTestId('target').count()) === 3);

      expect(await page.getByTestId('target-id').allTextContents()).toEqual(['site', 'api', 'broken']);
      expect(await page.getByTestId('target-forge').allTextContents()).toEqual(['github', 'gitlab', 'gitea']);
      expect(await page.getByTestId('target-branch').allTextContents()).toEqual(['main', 'main', 'main']);
      expect(await testId('target-count').textContent()).toBe('3 targets');
      // Several targets: no single header Deploy now (which would not say which), one per card.
      expect(await testId('deploy-now').isVisible()).toBe(false);
      expect(await page.getByTestId('target-deploy').count()).toBe(3);
      expect(await testId('target-filter').isVisible()).toBe(true);

      const siteHead = await targets!.fixture('site').deployHead();
      const siteHeadLink = card('site').getByTestId('target-head').locator('a');
      expect(await siteHeadLink.textContent()).toBe(siteHead.slice(0, 7));
      expect(await siteHeadLink.getAttribute('href')).toBe(
        `https://github.com/${fixtureDefaults('github').repository}/commit/${siteHead}`,
      );
      // GitLab's address is not known (often self-hosted): the commit is plain text.
      const apiHead = await targets!.fixture('api').deployHead();
      expect(await card('api').getByTestId('target-head').textContent()).toContain(apiHead.slice(0, 7));
      expect(await card('api').getByTestId('target-head').locator('a').count()).toBe(0);

      expect(await card('broken').getAttribute('data-status')).toBe('error');
      expect(await card('broken').getByTestId('target-error').textContent()).toMatch(/not a usable git work tree/);
      expect(await card('broken').getByTestId('target-head').count()).toBe(0);

      const siteLast = card('site').getByTestId('target-last');
      expect(await siteLast.textContent()).toContain(`#${sitePush.id}`);
      expect(await siteLast.locator('[data-status]').getAttribute('data-status')).toBe('succeeded');
      expect(await card('api').getByTestId('target-last').textContent()).toBe('Not deployed yet');

      await until('the site push is listed', async () => (await row(sitePush.id).count()) === 1);
      expect(await row(sitePush.id).getByTestId('deployment-target').textContent()).toBe('site');
      expect(await fitsThePhone(page)).toBe(true);
    },
    STEP_MS,
  );

  it(
    '"Deploy now" on the second target deploys that target only',
    async () => {
      const siteHead = await targets!.fixture('site').deployHead();
      // Pushed without a delivery: only "Deploy now" can bring it in.
      const sha = await targets!.commitAndPush('api', 'a change only Deploy now picks up');
      await card('api').getByTestId('target-deploy').click();
      await until('the queued notice', async () =>
        /Queued as #\d+ for api/.test((await testId('notice').textContent()) ?? ''),
      );
      apiDeploymentId = Number(/#(\d+)/.exec((await testId('notice').textContent()) ?? '')?.[1]);
      await until('its detail opens', async () => (await hash()) === `#/deployments/${apiDeploymentId}`);
      expect(await testId('detail-target').textContent()).toBe('api');
      await until(
        'the manual deployment succeeds',
        async () => (await testId('detail-status').getAttribute('data-status')) === 'succeeded',
      );

      expect(await targets!.settled(apiDeploymentId)).toMatchObject({
        target: 'api',
        trigger: 'manual',
        status: 'succeeded',
        headAfter: sha,
      });
      expect(await targets!.fixture('api').deployHead()).toBe(sha);
      // Nothing else moved: the other targets have only what they had.
      expect(await deploymentsOf('api')).toEqual([apiDeploymentId]);
      expect(await deploymentsOf('site')).toEqual([sitePush.id]);
      expect(await deploymentsOf('broken')).toEqual([]);
      expect(await targets!.fixture('site').deployHead()).toBe(siteHead);

      await page.goBack();
      await until('the api card shows its last deployment', async () =>
        ((await card('api').getByTestId('target-last').textContent()) ?? '').includes(`#${apiDeploymentId}`),
      );
      expect(await card('api').getByTestId('target-head').textContent()).toContain(sha.slice(0, 7));
    },
    STEP_MS,
  );

  it(
    'filters the history by target',
    async () => {
      await until(
        'both deployments are listed',
        async () =>
          JSON.stringify(await shownRows()) === JSON.stringify([sitePush.id, apiDeploymentId].sort((a, b) => a - b)),
      );

      await testId('target-filter').selectOption('api');
      await until(
        'only the api deployment shows',
        async () => JSON.stringify(await shownRows()) === `[${apiDeploymentId}]`,
      );
      expect(await row(apiDeploymentId).getByTestId('deployment-target').textContent()).toBe('api');
      // GitLab: the commit is plain text.
      expect(await row(apiDeploymentId).locator('.row-commit a').count()).toBe(0);
      expect(phone!.listRequests).toContainEqual(expect.stringContaining('target=api'));

      await testId('target-filter').selectOption('site');
      await until(
        'only the site deployment shows',
        async () => JSON.stringify(await shownRows()) === `[${sitePush.id}]`,
      );
      // GitHub: the commit links to its page.
      expect(await row(sitePush.id).locator('.row-commit a').getAttribute('href')).toBe(
        `https://github.com/${fixtureDefaults('github').repository}/commit/${sitePush.headAfter}`,
      );

      await testId('target-filter').selectOption('broken');
      // Its answer came, and it was empty (rows are cleared at once when the filter changes).
      await until('the broken target has no deployments', async () => await testId('list-empty').isVisible());
      expect(await shownRows()).toEqual([]);

      await testId('target-filter').selectOption('');
      await until('both show again', async () => (await shownRows()).length === 2);
      expect(await fitsThePhone(page)).toBe(true);
    },
    STEP_MS,
  );

  it('had no console error, page error or CSP violation, and no event stream reconnecting', () => {
    expect(phone?.problems).toEqual([]);
    expect(phone?.eventStreams.length).toBe(new Set(phone?.eventStreams).size);
  });
});
