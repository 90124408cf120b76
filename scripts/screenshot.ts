/**
 * `npm run screenshot`: docs/dashboard.png and docs/dashboard-phone.png from the real
 * built service on throwaway repositories (the demo's sandbox): two pushes that deploy,
 * one whose deploy command fails, and a "Deploy now" pressed in the browser. Nothing
 * outside a temporary directory is touched, and nothing is left running.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Deployment } from '../src/deploy/deployment.js';
import { pushPayload } from '../test/fixtures/deliveries.js';
import { sendDelivery } from './lib/github.js';
import { request } from './lib/http.js';
import { createRepositories, sandboxServiceEnv, git, makeTempDir, removeTempDir, type Sandbox } from './lib/sandbox.js';
import { ServiceProcess, withTimeout } from './lib/service.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));
const DEADLINE_MS = 120_000;
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
): Promise<Deployment> {
  const { before, after } = await commitAndPush(sandbox, message, files);
  const payload = pushPayload({ ref: 'refs/heads/main', before, after, repository: REPOSITORY });
  const answer = await sendDelivery(`${base}/github`, { id: randomUUID(), payload }, secrets.githubSecret);
  if (answer.status !== 202) throw new Error(`the push delivery got ${answer.status} ${answer.text}`);
  return waitForDeployment(base, secrets.adminToken, (answer.body as { deploymentId: number }).deploymentId);
}

async function signIn(page: Page, base: string, adminToken: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByTestId('token-input').fill(adminToken);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('deploy-now').waitFor();
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
}

async function cleanUp(): Promise<void> {
  await running.browser?.close().catch(() => undefined);
  await running.service?.kill();
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
