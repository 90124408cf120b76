import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import type { Deployment } from '../../src/domain/deployment.js';
import { FakeForgeApi } from '../fixtures/fake-forge-api.js';
import { TARGETS_ADMIN_TOKEN, TargetsService } from '../fixtures/targets-service.js';
import { waitFor } from '../fixtures/wait.js';
import { fitsThePhone, openPhonePage, type PhonePage } from './phone-page.js';

/** Shared, slow machines: generous, and every wait is on a condition. */
const STEP_MS = 60_000;
const WAIT_MS = 30_000;

describe('the dashboard: release mode and the forge report, in a real browser', () => {
  let forge: FakeForgeApi | undefined;
  let service: TargetsService | undefined;
  let phone: PhonePage | undefined;
  let page: Page;
  /** A release of `site`, reported to the (fake) forge. */
  let released: Deployment;
  /** An in-place deployment of `docs`, reported nowhere. */
  let inPlace: Deployment;

  const testId = (id: string) => page.getByTestId(id);
  const card = (id: string) => page.locator(`[data-testid="target"][data-id="${id}"]`);
  const until = (what: string, condition: () => Promise<boolean>) => waitFor(what, condition, WAIT_MS);
  /** The detail's fields as label → text. */
  const fields = async (): Promise<Record<string, string>> => {
    const names = await page.locator('dl.fields > dt').allTextContents();
    const values = await page.locator('dl.fields > dd').allTextContents();
    return Object.fromEntries(names.map((name, index) => [name, values[index] ?? '']));
  };

  async function pushed(id: string): Promise<Deployment> {
    const sha = await service!.commitAndPush(id);
    const answer = await service!.deliver(id, 'push', { after: sha });
    expect(answer.status).toBe(202);
    const deployment = await service!.settled(((await answer.json()) as { deploymentId: number }).deploymentId);
    expect(deployment).toMatchObject({ status: 'succeeded', headAfter: sha });
    return deployment;
  }

  beforeAll(async () => {
    forge = await FakeForgeApi.start();
    service = await TargetsService.start(
      [
        {
          id: 'site',
          forge: 'github',
          release: { build: 'true', activate: 'true' },
          report: { token: '${SITE_TOKEN}', apiUrl: forge.url, publicUrl: 'https://deploy.example.com' },
        },
        { id: 'docs', forge: 'gitlab', command: 'true' },
      ],
      { env: { SITE_TOKEN: 'ghp_dashboard_release_4b2d' } },
    );
    const deployed = await pushed('site');
    // The report ends after the deployment does: wait until it is on the record.
    await until('the report is recorded', async () => {
      released = (await service!.api<Deployment>(`/deployments/${deployed.id}`)).body;
      return released.report !== null;
    });
    inPlace = await pushed('docs');
    phone = await openPhonePage();
    page = phone.page;
    await page.goto(`${service.url}/`);
    await testId('token-input').fill(TARGETS_ADMIN_TOKEN);
    await testId('login-submit').click();
    await until('both targets show', async () => (await page.getByTestId('target').count()) === 2);
  }, STEP_MS * 2);

  afterAll(async () => {
    await phone?.browser.close();
    await service?.remove();
    await forge?.close();
  }, STEP_MS);

  it(
    "a release-mode target's card names its mode and the release current points at; an in-place card adds nothing",
    async () => {
      expect(released.release).toMatch(new RegExp(`^${released.id}-${released.headAfter!.slice(0, 7)}$`));
      await until('the release line shows', () => card('site').getByTestId('target-release').isVisible());
      expect(await card('site').getByTestId('target-release').textContent()).toBe(
        `release mode · current: ${released.release}`,
      );
      expect(await card('site').getByTestId('target-current').textContent()).toBe(released.release);
      expect(await card('docs').getByTestId('target-release').count()).toBe(0);
      expect(await page.locator('#header-release').isVisible()).toBe(false);
      expect(await fitsThePhone(page)).toBe(true);
    },
    STEP_MS,
  );

  it(
    "a release's detail shows its release and the forge report; an in-place one shows neither",
    async () => {
      expect(released.report).toMatch(/^reported success to GitHub \(deployment \d+\)$/);
      await page.evaluate(`location.hash = '#/deployments/${released.id}'`);
      await until('the release field shows', () => testId('detail-release').isVisible());
      expect(await testId('detail-release').textContent()).toBe(released.release);
      expect(await testId('detail-report').textContent()).toBe(released.report);
      expect(await fields()).toMatchObject({ Release: released.release, 'Forge report': released.report });
      expect(await fitsThePhone(page)).toBe(true);

      expect(inPlace).toMatchObject({ release: null, report: null });
      await page.evaluate(`location.hash = '#/deployments/${inPlace.id}'`);
      await until('the in-place detail shows', async () => (await testId('detail-target').textContent()) === 'docs');
      expect(await testId('detail-release').count()).toBe(0);
      expect(await testId('detail-report').count()).toBe(0);
      expect(Object.keys(await fields())).not.toEqual(expect.arrayContaining(['Release']));
      expect(Object.keys(await fields())).not.toEqual(expect.arrayContaining(['Forge report']));
    },
    STEP_MS,
  );

  it(
    'with one target (the header in place of cards), the header names the mode and current release',
    async () => {
      // The server's own answer, cut to the release target: the page then shows one target.
      await page.route('**/targets', async (route) => {
        const answer = await route.fetch();
        const all = (await answer.json()) as Array<{ id: string }>;
        await route.fulfill({ response: answer, json: all.filter((target) => target.id === 'site') });
      });
      try {
        await page.evaluate(`location.hash = '#/'`);
        await page.reload();
        await until('the header line shows', () => page.locator('#header-release').isVisible());
        expect(await page.locator('#header-release').textContent()).toBe(`release mode · current: ${released.release}`);
        expect(await fitsThePhone(page)).toBe(true);
      } finally {
        await page.unroute('**/targets');
      }
      expect(phone!.problems).toEqual([]);
    },
    STEP_MS,
  );
});
