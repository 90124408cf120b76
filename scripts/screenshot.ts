/**
 * `npm run screenshot`: docs/dashboard.png and docs/dashboard-phone.png from the real
 * built service on throwaway repositories (the demo's sandbox): two pushes that deploy,
 * one whose deploy command fails, and a "Deploy now" pressed in the browser. Then
 * docs/dashboard-targets.png from a second service on a targets file with three targets
 * on three forges. Nothing outside a temporary directory is touched, and nothing is left running.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Deployment } from '../src/domain/deployment.js';
import { pushPayload } from '../test/fixtures/deliveries.js';
import { sendDelivery } from './lib/github.js';
import { request } from './lib/http.js';
import {
  createRepositories,
  GIT_ISOLATION,
  sandboxServiceEnv,
  git,
  makeTempDir,
  removeTempDir,
  type Sandbox,
} from './lib/sandbox.js';
import { ServiceProcess, withTimeout } from './lib/service.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));
const DEADLINE_MS = 180_000;
const DEPLOYMENT_WAIT_MS = 30_000;
const REPOSITORY = 'octo/app';

/** What an operator would configure: a script kept in the repository. */
const DEPLOY_COMMAND = 'sh scripts/deploy.sh';
/** Looks like a build in the log; fails when the pushed config is broken, so one deployment can fail. */
const DEPLOY_SCRIPT = `set -e
echo "> npm ci"
sleep 0.2
echo "added 214 packages, audited 215 packages in 2s"
echo "> npm run build"
sleep 0.3
if grep -q broken config.json; then
  echo "SyntaxError: config.json: Unexpected token } in JSON at position 20" >&2
  exit 1
fi
echo "build: 48 files written to dist/"
echo "> systemctl --user restart app"
echo "app.service restarted at $(git rev-parse --short HEAD)"
`;

interface Running {
  tempDir?: string;
  service?: ServiceProcess;
  targetsService?: ServiceProcess;
  browser?: Browser;
}
const running: Running = {};
const serviceLines: string[] = [];

async function commitAndPush(
  sandbox: Sandbox,
  message: string,
  files: Record<string, string>,
): Promise<{ before: string; after: string }> {
  const before = await git(sandbox.dev, 'rev-parse', 'HEAD');
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(sandbox.dev, name)), { recursive: true });
    await writeFile(join(sandbox.dev, name), content);
  }
  await git(sandbox.dev, 'add', '--all');
  await git(sandbox.dev, 'commit', '--quiet', '-m', message);
  await git(sandbox.dev, 'push', '--quiet', 'origin', 'main');
  return { before, after: await git(sandbox.dev, 'rev-parse', 'HEAD') };
}

async function waitForDeployment(base: string, adminToken: string, id: number): Promise<Deployment> {
  const deadline = Date.now() + DEPLOYMENT_WAIT_MS;
  for (;;) {
    const answer = await request(`${base}/deployments/${id}`, { headers: { authorization: `Bearer ${adminToken}` } });
    const deployment = answer.body as Deployment;
    if (deployment.status === 'succeeded' || deployment.status === 'failed') return deployment;
    if (Date.now() > deadline) throw new Error(`deployment ${id} still ${deployment.status}: ${answer.text}`);
    await sleep(100);
  }
}

/** A push delivered as GitHub would, waited for until it finished (so each push is its own deployment). */
async function pushAndDeploy(
  sandbox: Sandbox,
  base: string,
  secrets: { githubSecret: string; adminToken: string },
  message: string,
  files: Record<string, string>,
  where: { path: string; repository: string } = { path: '/github', repository: REPOSITORY },
): Promise<Deployment> {
  const { before, after } = await commitAndPush(sandbox, message, files);
  const payload = pushPayload({ ref: 'refs/heads/main', before, after, repository: where.repository });
  const answer = await sendDelivery(`${base}${where.path}`, { id: randomUUID(), payload }, secrets.githubSecret);
  if (answer.status !== 202) throw new Error(`the push delivery got ${answer.status} ${answer.text}`);
  return waitForDeployment(base, secrets.adminToken, (answer.body as { deploymentId: number }).deploymentId);
}

/** "Deploy now" through the API, waited for until it finished. */
async function deployNow(base: string, adminToken: string, target: string): Promise<Deployment> {
  const answer = await request(`${base}/deployments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ target }),
  });
  if (answer.status !== 202) throw new Error(`Deploy now of ${target} got ${answer.status} ${answer.text}`);
  return waitForDeployment(base, adminToken, (answer.body as { deploymentId: number }).deploymentId);
}

/** `ready`: the test id that shows once the page is signed in (the header's Deploy now with one target). */
async function signIn(page: Page, base: string, adminToken: string, ready = 'deploy-now'): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByTestId('token-input').fill(adminToken);
  await page.getByTestId('login-submit').click();
  await page.getByTestId(ready).first().waitFor();
  await page.locator('[data-testid="deployment-row"]').first().waitFor();
}

async function main(): Promise<void> {
  const secrets = { githubSecret: randomBytes(32).toString('hex'), adminToken: randomBytes(32).toString('hex') };
  running.tempDir = await makeTempDir();
  const sandbox = await createRepositories(running.tempDir);
  running.service = ServiceProcess.start(
    sandbox.root,
    sandboxServiceEnv(sandbox, secrets, {
      DATA_DIR: join(sandbox.root, 'data'),
      DEPLOY_REPOSITORY: REPOSITORY,
      DEPLOY_COMMAND,
    }),
  );
  const port = await running.service.waitForPort((line) => serviceLines.push(line));
  const base = `http://127.0.0.1:${port}`;
  console.log(`service on ${base}`);

  const config = (greeting: string) => ({ 'config.json': `{ "greeting": "${greeting}" }\n` });
  const deployments = [
    await pushAndDeploy(sandbox, base, secrets, 'Add the deploy script', {
      'scripts/deploy.sh': DEPLOY_SCRIPT,
      ...config('Hello'),
    }),
    await pushAndDeploy(sandbox, base, secrets, 'Greet in French', config('Bonjour')),
    await pushAndDeploy(sandbox, base, secrets, 'Tweak the config', { 'config.json': '{ "greeting": } // broken\n' }),
  ];
  console.log(`deployments: ${deployments.map((d) => `#${d.id} ${d.status}`).join(', ')}`);
  // Pushed without a delivery: the browser's "Deploy now" brings it in.
  await commitAndPush(sandbox, 'Fix the config', config('Hi'));

  running.browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  const desktop = await running.browser.newPage({ viewport: { width: 1200, height: 800 }, colorScheme: 'light' });
  await signIn(desktop, base, secrets.adminToken);
  await desktop.getByTestId('deploy-now').click();
  await desktop.getByTestId('detail-status').waitFor();
  await desktop.locator('[data-testid="detail-status"][data-status="succeeded"]').waitFor({ timeout: 30_000 });
  await desktop.locator('[data-testid="deployment-row"][data-status="succeeded"][data-id]').first().waitFor();
  await desktop.mouse.move(0, 799);
  await desktop.screenshot({ path: join(DOCS, 'dashboard.png') });
  console.log('wrote docs/dashboard.png');

  const phone = await running.browser.newPage({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    colorScheme: 'light',
  });
  await signIn(phone, base, secrets.adminToken);
  // The failed deployment: its error and the output that explains it.
  await phone.goto(`${base}/#/deployments/${deployments[2]!.id}`);
  await phone.locator('[data-testid="detail-status"][data-status="failed"]').waitFor();
  await phone.screenshot({ path: join(DOCS, 'dashboard-phone.png') });
  console.log('wrote docs/dashboard-phone.png');

  await running.service.kill();
  await targetsScreenshot(running.tempDir, running.browser, secrets);
}

/**
 * The targets of the multi-target shot: one sandbox each, all deployed by the same script;
 * `web` in release mode (the script is its build), so that its card names its current release.
 */
const TARGETS = [
  { id: 'web', forge: 'github', repository: 'octo/web', release: true },
  { id: 'api', forge: 'gitlab', repository: 'octo/api' },
  { id: 'docs', forge: 'gitea', repository: 'octo/docs' },
] as const;

async function targetsScreenshot(
  tempDir: string,
  browser: Browser,
  secrets: { githubSecret: string; adminToken: string },
): Promise<void> {
  const sandboxes = new Map<string, Sandbox>();
  const blocks: string[] = [];
  for (const target of TARGETS) {
    const root = join(tempDir, 'targets', target.id);
    await mkdir(root, { recursive: true });
    const sandbox = await createRepositories(root);
    sandboxes.set(target.id, sandbox);
    blocks.push(
      [
        `  - id: ${target.id}`,
        `    forge: ${target.forge}`,
        `    secrets: [${JSON.stringify(secrets.githubSecret)}]`,
        `    repoPath: ${JSON.stringify(sandbox.deploy)}`,
        `    repository: ${target.repository}`,
        ...('release' in target
          ? ['    mode: release', '    releases:', `      path: ${JSON.stringify(join(root, 'app'))}`]
          : []),
        `    ${'release' in target ? 'build' : 'command'}: ${JSON.stringify(DEPLOY_COMMAND)}`,
      ].join('\n'),
    );
  }
  const configPath = join(tempDir, 'targets', 'hookdeploy.yml');
  await writeFile(configPath, `targets:\n${blocks.join('\n')}\n`);
  running.targetsService = ServiceProcess.start(join(tempDir, 'targets'), {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...GIT_ISOLATION,
    NO_COLOR: '1',
    HOOKDEPLOY_CONFIG: configPath,
    ADMIN_TOKEN: secrets.adminToken,
    DATA_DIR: join(tempDir, 'targets', 'data'),
    PORT: '0',
    HOST: '127.0.0.1',
  });
  const port = await running.targetsService.waitForPort((line) => serviceLines.push(line));
  const base = `http://127.0.0.1:${port}`;
  console.log(`targets service on ${base}`);

  const config = (greeting: string) => ({ 'config.json': `{ "greeting": "${greeting}" }\n` });
  const script = { 'scripts/deploy.sh': DEPLOY_SCRIPT };
  const web = sandboxes.get('web')!;
  const api = sandboxes.get('api')!;
  const docs = sandboxes.get('docs')!;
  const deployed = [
    await pushAndDeploy(
      web,
      base,
      secrets,
      'Add the deploy script',
      { ...script, ...config('Hello') },
      {
        path: '/hooks/web',
        repository: 'octo/web',
      },
    ),
    await commitAndPush(api, 'Add the deploy script', { ...script, ...config('Hello') }).then(() =>
      deployNow(base, secrets.adminToken, 'api'),
    ),
    await commitAndPush(docs, 'Add the deploy script', {
      ...script,
      'config.json': '{ "greeting": } // broken\n',
    }).then(() => deployNow(base, secrets.adminToken, 'docs')),
    await pushAndDeploy(web, base, secrets, 'Greet in French', config('Bonjour'), {
      path: '/hooks/web',
      repository: 'octo/web',
    }),
  ];
  console.log(`deployments: ${deployed.map((d) => `#${d.id} ${d.target} ${d.status}`).join(', ')}`);
  // Pushed without a delivery: the api card's "Deploy now" brings it in.
  await commitAndPush(api, 'Log requests', config('Hi'));

  const desktop = await browser.newPage({ viewport: { width: 1200, height: 800 }, colorScheme: 'light' });
  await signIn(desktop, base, secrets.adminToken, 'target-deploy');
  await desktop.locator('[data-testid="target"][data-id="api"] [data-testid="target-deploy"]').click();
  await desktop.locator('[data-testid="detail-status"][data-status="succeeded"]').waitFor({ timeout: 30_000 });
  await desktop
    .locator('[data-testid="target"][data-id="api"] [data-testid="target-last"] [data-status="succeeded"]')
    .waitFor({
      timeout: 30_000,
    });
  await desktop.mouse.move(0, 799);
  await desktop.screenshot({ path: join(DOCS, 'dashboard-targets.png') });
  console.log('wrote docs/dashboard-targets.png');
}

async function cleanUp(): Promise<void> {
  await running.browser?.close().catch(() => undefined);
  await running.service?.kill();
  await running.targetsService?.kill();
  if (running.tempDir) await removeTempDir(running.tempDir);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
}

try {
  await withTimeout(main(), DEADLINE_MS, `took longer than ${DEADLINE_MS / 1000} s`);
  await cleanUp();
  process.exit(0);
} catch (error) {
  console.error(`screenshot failed: ${error instanceof Error ? error.message : String(error)}`);
  if (serviceLines.length > 0) console.error(serviceLines.slice(-20).join('\n'));
  await cleanUp();
  process.exit(1);
}
