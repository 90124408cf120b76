import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { pushPayload, signedDelivery } from '../fixtures/deliveries.js';
import { GitFixture } from '../fixtures/git-fixture.js';
import { ServiceProcess } from '../fixtures/service-process.js';
import { waitFor } from '../fixtures/wait.js';
import { fitsThePhone as fits, openPhonePage, type PhonePage } from './phone-page.js';

const SECRET = 'dashboard-test-secret';
const ADMIN_TOKEN = 'dashboard-test-admin-token-0123456789';
/** Shared, slow machines: generous, and every wait is on a condition. */
const STEP_MS = 60_000;
const WAIT_MS = 30_000;

describe('the dashboard in a real browser', () => {
  let fixture: GitFixture;
  let service: ServiceProcess | undefined;
  let phone: PhonePage | undefined;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  /** The deploy command prints "building", then waits for this file before finishing: the test sees it mid-run. */
  let gate: string;

  const row = (id: number) => page.locator(`[data-testid="deployment-row"][data-id="${id}"]`);
  const testId = (id: string) => page.getByTestId(id);
  const until = (what: string, condition: () => Promise<boolean>) => waitFor(what, condition, WAIT_MS);
  const text = async (id: string) => (await testId(id).textContent()) ?? '';
  /** Output lines, not the echoed command line (which names them all). */
  const logHas = async (line: string) => new RegExp(`^${line}$`, 'm').test(await text('detail-log'));
  const detailStatus = () => testId('detail-status').getAttribute('data-status');
  const cookieNames = async () => (await context.cookies()).map((cookie) => cookie.name);
  // Expressions evaluated in the page are strings: this test compiles without the DOM library.
  const hash = () => page.evaluate<string>('location.hash');
  const fitsThePhone = () => fits(page);

  beforeAll(async () => {
    fixture = await GitFixture.create();
    gate = join(fixture.root, 'gate');
    const dataDir = join(fixture.root, 'data');
    await mkdir(dataDir);
    service = ServiceProcess.start(
      {
        GITHUB_SECRET: SECRET,
        ADMIN_TOKEN,
        REPO_PATH: fixture.deploy,
        DATA_DIR: dataDir,
        PORT: '0',
        HOST: '127.0.0.1',
        DEPLOY_COMMAND: `echo building; i=0; while [ ! -e '${gate}' ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; echo step 2; sleep 0.3; echo done`,
        DEPLOY_TIMEOUT: '120',
      },
      fixture.root,
    );
    base = `http://127.0.0.1:${await service.port()}`;

    phone = await openPhonePage();
    ({ context, page } = phone);
  }, STEP_MS);

  afterAll(async () => {
    await phone?.browser.close();
    if (service) {
      // Releases a deploy still waiting on the gate, then lets the service stop as an operator would.
      await writeFile(gate, '').catch(() => undefined);
      service.child.kill('SIGTERM');
      await service.exitCode(15_000);
    }
    await fixture?.remove();
  }, STEP_MS);

  it(
    'serves the page under the strict CSP and asks for the admin token',
    async () => {
      const response = await page.goto(`${base}/`);
      expect(response?.status()).toBe(200);
      const csp = response?.headers()['content-security-policy'] ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      await testId('login-form').waitFor({ timeout: WAIT_MS });
      expect(await testId('token-input').getAttribute('type')).toBe('password');
      expect(await testId('deploy-now').isVisible()).toBe(false);
      expect(await fitsThePhone()).toBe(true);
    },
    STEP_MS,
  );

  it(
    'refuses a wrong token with the server message, then signs in with an HttpOnly SameSite=Strict cookie',
    async () => {
      await testId('token-input').fill('not-the-token');
      await testId('login-submit').click();
      await testId('login-error').waitFor({ timeout: WAIT_MS });
      expect((await text('login-error')).length).toBeGreaterThan(0);
      expect(await cookieNames()).not.toContain('hookdeploy_session');

      await testId('token-input').fill(ADMIN_TOKEN);
      await testId('login-submit').click();
      await testId('deploy-now').waitFor({ timeout: WAIT_MS });
      expect(await text('branch')).toBe('main');
      expect(await testId('login-form').isVisible()).toBe(false);
      // One target: the header names it and has the one Deploy now; no targets panel, no filter.
      await until('the targets are known', async () => phone!.targetsAnswers > 0);
      expect(await testId('target-list').isVisible()).toBe(false);
      expect(await testId('target-filter').isVisible()).toBe(false);
      expect(await testId('target-count').isVisible()).toBe(false);

      const cookies = await context.cookies();
      const session = cookies.find((cookie) => cookie.name === 'hookdeploy_session');
      expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
      const csrf = cookies.find((cookie) => cookie.name === 'hookdeploy_csrf');
      expect(csrf).toMatchObject({ httpOnly: false, sameSite: 'Strict' });
      // The token went into a cookie the page cannot read, and nowhere in the page's storage.
      expect(await page.evaluate<string>('JSON.stringify({ ...localStorage, ...sessionStorage })')).not.toContain(
        ADMIN_TOKEN,
      );
    },
    STEP_MS,
  );

  it(
    'lists a pushed deployment and streams its log while it runs',
    async () => {
      const before = await fixture.originHead();
      const sha = await fixture.commitAndPush('change shown on the dashboard');
      const { headers, body } = signedDelivery(pushPayload({ before, after: sha }), { secret: SECRET });
      const answer = await fetch(`${base}/github`, { method: 'POST', headers, body });
      expect(answer.status).toBe(202);
      const { deploymentId } = (await answer.json()) as { deploymentId: number };

      await row(deploymentId).waitFor({ timeout: WAIT_MS });
      expect(await row(deploymentId).textContent()).toContain(sha.slice(0, 7));
      expect(await row(deploymentId).textContent()).toContain('push');
      // The only target is not named on every row.
      expect(await row(deploymentId).getByTestId('deployment-target').count()).toBe(0);
      await row(deploymentId).getByTestId('deployment-open').click();
      await until('the detail view shows', async () => (await hash()) !== '');
      expect(await hash()).toBe(`#/deployments/${deploymentId}`);

      await until('"building" streams in', () => logHas('building'));
      // The command is held at the gate: this output arrived live, not with the finished log.
      expect(await detailStatus()).toBe('running');
      expect(await logHas('done')).toBe(false);
      expect(await fitsThePhone()).toBe(true);

      await writeFile(gate, '');
      await until('the deployment succeeds', async () => (await detailStatus()) === 'succeeded');
      await until('"done" streams in', () => logHas('done'));
      expect(await text('detail-log')).toMatch(/^building\nstep 2\ndone$/m);
      await until(
        'the row says succeeded',
        async () => (await row(deploymentId).getAttribute('data-status')) === 'succeeded',
      );
      expect(await fixture.deployHead()).toBe(sha);

      // The back button returns to the list (one pane at a time on a phone).
      await page.goBack();
      await until('the list is back', async () => await testId('deployment-list').isVisible());
      expect(await testId('detail').isVisible()).toBe(false);
    },
    STEP_MS,
  );

  it(
    'Deploy now fetches origin and deploys its tip as a manual deployment',
    async () => {
      // Pushed without a delivery: only "Deploy now" can bring it in.
      const sha = await fixture.commitAndPush('change only Deploy now picks up');
      await testId('deploy-now').click();
      await until('the queued notice', async () => /Queued as #\d+/.test(await text('notice')));
      const id = Number(/#(\d+)/.exec(await text('notice'))?.[1]);
      await until('its detail opens', async () => (await hash()) === `#/deployments/${id}`);

      await until('the manual deployment succeeds', async () => (await detailStatus()) === 'succeeded');
      expect(await testId('detail').textContent()).toContain('manual');
      expect(await testId('detail-target').count()).toBe(0);
      // The header's Deploy now named no target: the list was never filtered either.
      expect(phone!.listRequests.filter((path) => path.includes('target='))).toEqual([]);
      expect(await logHas('done')).toBe(true);
      await page.goBack();
      await until('its row says succeeded', async () => (await row(id).getAttribute('data-status')) === 'succeeded');
      expect(await row(id).textContent()).toContain('manual');
      expect(await row(id).textContent()).toContain(sha.slice(0, 7));
      expect(await fixture.deployHead()).toBe(sha);
    },
    STEP_MS,
  );

  it(
    'signs out back to the login form',
    async () => {
      await testId('sign-out').click();
      await testId('login-form').waitFor({ timeout: WAIT_MS });
      expect(await cookieNames()).not.toContain('hookdeploy_session');
    },
    STEP_MS,
  );

  it('had no console error, page error or CSP violation, and no event stream reconnecting', () => {
    expect(phone?.problems).toEqual([]);
    // A finished deployment's stream is closed by the page; EventSource would otherwise reconnect every few seconds.
    expect(phone?.eventStreams.length).toBe(new Set(phone?.eventStreams).size);
  });
});
