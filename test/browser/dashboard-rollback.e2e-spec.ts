import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import type { Deployment, DeploymentSummary } from '../../src/domain/deployment.js';
import { GitFixture } from '../fixtures/git-fixture.js';
import { LIVE_ADMIN_TOKEN, LiveService } from '../fixtures/live-service.js';
import { TARGETS_ADMIN_TOKEN, TargetsService } from '../fixtures/targets-service.js';
import { waitFor } from '../fixtures/wait.js';
import { fitsThePhone, openPhonePage, type PhonePage } from './phone-page.js';

/** Shared, slow machines: generous, and every wait is on a condition. */
const STEP_MS = 60_000;
const WAIT_MS = 30_000;

describe('the dashboard: roll back, pause and resume, in a real browser', () => {
  let service: TargetsService | undefined;
  let phone: PhonePage | undefined;
  let page: Page;
  let older: Deployment;
  let newer: Deployment;

  const testId = (id: string) => page.getByTestId(id);
  const card = (id: string) => page.locator(`[data-testid="target"][data-id="${id}"]`);
  const banner = (id: string) => page.locator(`[data-testid="paused-banner"][data-id="${id}"]`);
  const row = (id: number) => page.locator(`[data-testid="deployment-row"][data-id="${id}"]`);
  const until = (what: string, condition: () => Promise<boolean>) => waitFor(what, condition, WAIT_MS);
  const hash = () => page.evaluate<string>('location.hash');
  const paused = async (id: string): Promise<boolean> =>
    (await service!.api<Array<{ id: string; paused: boolean }>>('/targets')).body.find((t) => t.id === id)!.paused;

  async function pushed(id: string): Promise<Deployment> {
    const sha = await service!.commitAndPush(id);
    const answer = await service!.deliver(id, 'push', { after: sha });
    expect(answer.status).toBe(202);
    const deployment = await service!.settled(((await answer.json()) as { deploymentId: number }).deploymentId);
    expect(deployment).toMatchObject({ status: 'succeeded', headAfter: sha });
    return deployment;
  }

  beforeAll(async () => {
    service = await TargetsService.start([
      { id: 'site', forge: 'github', command: 'echo "serving $DEPLOY_SHA"' },
      { id: 'api', forge: 'gitlab' },
    ]);
    older = await pushed('site');
    newer = await pushed('site');
    phone = await openPhonePage();
    page = phone.page;
    await page.goto(`${service.url}/`);
    await testId('token-input').fill(TARGETS_ADMIN_TOKEN);
    await testId('login-submit').click();
    await until('both targets show', async () => (await page.getByTestId('target').count()) === 2);
  }, STEP_MS);

  afterAll(async () => {
    await phone?.browser.close();
    await service?.remove();
  }, STEP_MS);

  it(
    '"Roll back to this" asks first: dismissed, nothing happens',
    async () => {
      await page.evaluate(`location.hash = '#/deployments/${older.id}'`);
      await until('the rollback button shows', () => testId('detail-rollback').isVisible());
      page.once('dialog', (dialog) => void dialog.dismiss());
      await testId('detail-rollback').click();
      await until('the button is enabled again', () => testId('detail-rollback').isEnabled());
      const all = (await service!.api<DeploymentSummary[]>('/deployments?target=site&log=false')).body;
      expect(all.map((d) => d.id)).toEqual([newer.id, older.id]);
      expect(await hash()).toBe(`#/deployments/${older.id}`);
      expect(await paused('site')).toBe(false);
    },
    STEP_MS,
  );

  it(
    'confirmed, it opens the rollback ("Rollback to #N"), which moves the work tree back, and the target shows paused',
    async () => {
      let asked = '';
      page.once('dialog', (dialog) => {
        asked = dialog.message();
        void dialog.accept();
      });
      await testId('detail-rollback').click();
      await until(
        'the rollback opens',
        async () => /^#\/deployments\/\d+$/.test(await hash()) && (await hash()) !== `#/deployments/${older.id}`,
      );
      expect(asked).toContain(`#${older.id}`);
      expect(asked).toMatch(/pauses site/);
      const rollbackId = Number(/(\d+)$/.exec(await hash())![1]);
      expect(await testId('notice').textContent()).toBe(`Rollback queued as #${rollbackId}; site is paused`);
      await until(
        'the rollback succeeds',
        async () => (await testId('detail-status').getAttribute('data-status')) === 'succeeded',
      );
      expect(await testId('detail-rollback-of').textContent()).toBe(`Rollback to #${older.id}`);
      expect(await testId('detail-log').textContent()).toContain(`serving ${older.headAfter}`);
      expect(await service!.fixture('site').deployHead()).toBe(older.headAfter);
      await until('the list labels it', async () => (await row(rollbackId).count()) === 1);
      expect(await row(rollbackId).getByTestId('deployment-trigger').textContent()).toBe(`Rollback to #${older.id}`);

      await until('the banner shows', () => banner('site').isVisible());
      expect(await banner('site').textContent()).toContain(
        `site: paused — pushes are recorded but not deployed (rolled back to deployment ${older.id}`,
      );
      expect(await card('site').getByTestId('target-pause').textContent()).toBe('Resume');
      expect(await banner('api').count()).toBe(0);
      expect(await fitsThePhone(page)).toBe(true);
    },
    STEP_MS,
  );

  it(
    'Resume in the banner resumes; Pause on the card pauses again',
    async () => {
      await banner('site').getByTestId('paused-resume').click();
      await until('the banner goes', async () => (await banner('site').count()) === 0);
      expect(await paused('site')).toBe(false);
      expect(await card('site').getByTestId('target-pause').textContent()).toBe('Pause');

      // On a phone the cards show with the list, not beside a deployment.
      await page.evaluate(`location.hash = '#/'`);
      await until('the cards show', () => card('api').isVisible());
      await card('api').getByTestId('target-pause').click();
      await until('the api banner shows', () => banner('api').isVisible());
      expect(await banner('api').textContent()).toContain('(paused by an admin');
      expect(await paused('api')).toBe(true);
      expect(await paused('site')).toBe(false);
      await card('api').getByTestId('target-pause').click();
      await until('the api banner goes', async () => (await banner('api').count()) === 0);
      expect(await paused('api')).toBe(false);
    },
    STEP_MS,
  );

  it(
    'a failed deployment whose release was switched back is said in words; no "Roll back to this" on a failure',
    async () => {
      // Release mode writes these errors (its own tests make them happen); here its answers are the input.
      const failed = (id: number, error: string) => ({ ...newer, id, status: 'failed', error, log: '' });
      await page.route('**/deployments/987654', (route) =>
        route.fulfill({ json: failed(987654, 'rolled back to 3-1a2b3c4') }),
      );
      await page.route('**/deployments/987655', (route) =>
        route.fulfill({ json: failed(987655, 'rolled back to 3-1a2b3c4, but its activate failed too: exit code 1') }),
      );
      await page.evaluate(`location.hash = '#/deployments/987654'`);
      await until('the failure shows', () => testId('detail-rolled-back').isVisible());
      expect(await testId('detail-rolled-back').textContent()).toBe(
        'Health check failed — the previous release 3-1a2b3c4 is serving again',
      );
      expect(await testId('detail-error').textContent()).toContain('rolled back to 3-1a2b3c4');
      expect(await testId('detail-rollback').count()).toBe(0);

      await page.evaluate(`location.hash = '#/deployments/987655'`);
      await until('the second failure shows', async () =>
        ((await testId('detail-rolled-back').textContent()) ?? '').includes('but'),
      );
      expect(await testId('detail-rolled-back').textContent()).toBe(
        'Health check failed — switched back to the previous release 3-1a2b3c4, but its activate failed too',
      );
      expect(await testId('detail-error').textContent()).toContain('exit code 1');
      expect(phone!.problems).toEqual([]);
    },
    STEP_MS,
  );
});

describe('the dashboard of one target (env-only mode): Pause and Resume in the header', () => {
  let fixture: GitFixture | undefined;
  let live: LiveService | undefined;
  let phone: PhonePage | undefined;

  beforeAll(async () => {
    fixture = await GitFixture.create();
    live = await LiveService.start(fixture);
    phone = await openPhonePage();
  }, STEP_MS);

  afterAll(async () => {
    await phone?.browser.close();
    await live?.stop();
    await fixture?.remove();
  }, STEP_MS);

  it(
    'pauses with the banner (no target name), and resumes from it',
    async () => {
      const page = phone!.page;
      const until = (what: string, condition: () => Promise<boolean>) => waitFor(what, condition, WAIT_MS);
      const state = async () => (await live!.api<Array<{ paused: boolean }>>('/targets'))[0]!.paused;
      await page.goto(`http://127.0.0.1:${live!.port}/`);
      await page.getByTestId('token-input').fill(LIVE_ADMIN_TOKEN);
      await page.getByTestId('login-submit').click();
      const toggle = page.getByTestId('pause-toggle');
      await until('the header Pause shows', () => toggle.isVisible());
      expect(await toggle.textContent()).toBe('Pause');
      expect(await page.getByTestId('paused-banner').count()).toBe(0);

      await toggle.click();
      await until('the banner shows', () => page.getByTestId('paused-banner').isVisible());
      expect(await page.getByTestId('paused-banner').textContent()).toMatch(
        /^Paused — pushes are recorded but not deployed \(paused by an admin/,
      );
      expect(await toggle.textContent()).toBe('Resume');
      expect(await state()).toBe(true);

      await page.getByTestId('paused-resume').click();
      await until('the banner goes', async () => (await page.getByTestId('paused-banner').count()) === 0);
      expect(await toggle.textContent()).toBe('Pause');
      expect(await state()).toBe(false);
      expect(phone!.problems).toEqual([]);
    },
    STEP_MS,
  );
});
