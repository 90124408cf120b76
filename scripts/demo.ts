/**
 * `npm run demo`: the whole hookdeploy loop on throwaway repositories. It starts the
 * built service as an operator would, pushes a commit as a developer would, sends the
 * signed push delivery GitHub would send, and shows the deploy clone move. Nothing
 * outside a temporary directory is touched, and nothing is left running.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Deployment } from '../src/domain/deployment.js';
import { pushDelivery, sendDelivery } from './lib/github.js';
import { request, type JsonAnswer } from './lib/http.js';
import { detail, short, step } from './lib/print.js';
import {
  sandboxServiceEnv,
  createRepositories,
  git,
  makeTempDir,
  pushAChange,
  removeTempDir,
  type Sandbox,
} from './lib/sandbox.js';
import { ServiceProcess, withTimeout } from './lib/service.js';

/** The whole demo normally takes a few seconds; past this something hangs. */
const DEMO_DEADLINE_MS = 90_000;
const DEPLOYMENT_WAIT_MS = 30_000;
const POLL_INTERVAL_MS = 200;
const LOG_EXCERPT_LINES = 12;

/**
 * Harmless and visible: it leaves a file in the deploy clone that says what was
 * deployed. The values come from the environment hookdeploy gives the command.
 */
const DEPLOY_COMMAND = 'echo "deployed $DEPLOY_SHA for delivery $DEPLOY_DELIVERY" > DEPLOYED.txt';

/** What must be undone however the demo ends. */
const resources: { tempDir?: string; service?: ServiceProcess; closing: boolean } = { closing: false };

interface Secrets {
  githubSecret: string;
  adminToken: string;
}

/** The service at 127.0.0.1:<port>. */
interface Endpoint {
  base: string;
  webhook: string;
}

function jsonLine(answer: JsonAnswer): string {
  return `${answer.status} ${answer.text}`;
}

function expectStatus(what: string, answer: JsonAnswer, expected: number): void {
  if (answer.status !== expected) throw new Error(`${what}: expected ${expected}, got ${jsonLine(answer)}`);
}

async function createSandbox(): Promise<Sandbox> {
  step('Creating throwaway repositories');
  const root = await makeTempDir();
  if (resources.closing) {
    // Interrupted while the directory was being made: clean-up has already run without it.
    await removeTempDir(root);
    throw new Error('the demo is stopping');
  }
  resources.tempDir = root;
  const sandbox = await createRepositories(root);
  const first = await git(sandbox.dev, 'rev-parse', 'HEAD');
  detail(`in ${root}`);
  detail('origin.git  a bare repository, standing in for GitHub');
  detail(`dev/        the developer's repository; first commit ${short(first)} pushed on main`);
  detail('deploy/     a clone of origin: the work tree hookdeploy keeps up to date (REPO_PATH)');
  return sandbox;
}

function generateSecrets(): Secrets {
  step('Generating a webhook secret and an admin token');
  detail('random for this run, as you would generate them for GitHub (values not shown)');
  return { githubSecret: randomBytes(32).toString('hex'), adminToken: randomBytes(32).toString('hex') };
}

async function startService(sandbox: Sandbox, secrets: Secrets): Promise<Endpoint> {
  step('Starting the service: node dist/main.js');
  detail('PORT=0 lets it pick a free port; it runs in the temp dir so no .env of yours applies');
  detail(`DEPLOY_COMMAND=${DEPLOY_COMMAND}`);
  if (resources.closing) throw new Error('the demo is stopping');
  const service = ServiceProcess.start(sandbox.root, sandboxServiceEnv(sandbox, secrets, { DEPLOY_COMMAND }));
  resources.service = service;
  const port = await service.waitForPort((line) => console.log(`  service | ${line}`));
  const base = `http://127.0.0.1:${port}`;
  detail(`ready: webhook at ${base}/github (pid ${service.pid})`);
  return { base, webhook: `${base}/github` };
}

async function showHealth(endpoint: Endpoint): Promise<void> {
  const health = await request(`${endpoint.base}/health`);
  detail(`GET /health → ${jsonLine(health)}`);
  expectStatus('GET /health', health, 200);
}

async function pushFromDev(sandbox: Sandbox): Promise<{ before: string; after: string }> {
  step('The developer commits a change and pushes it to origin');
  const commits = await pushAChange(sandbox.dev, 'Say hello again');
  detail(`main on origin: ${short(commits.before)} → ${short(commits.after)} "Say hello again"`);
  detail('the deploy clone is still at the old commit; now GitHub would call the webhook');
  return commits;
}

async function deliverPush(endpoint: Endpoint, secrets: Secrets, before: string, after: string): Promise<number> {
  step('Sending the push delivery, signed as GitHub signs it');
  const delivery = pushDelivery('refs/heads/main', before, after);
  detail(`POST /github  X-GitHub-Event: push  X-GitHub-Delivery: ${delivery.id}`);
  detail('body: GitHub\'s example push payload with our ref, "before" and "after"');
  detail('X-Hub-Signature-256: HMAC-SHA256 of the body with the secret');
  const answer = await sendDelivery(endpoint.webhook, delivery, secrets.githubSecret);
  detail(`→ ${jsonLine(answer)}`);
  detail('(202 at once: the deploy runs after the answer, GitHub waits at most 10 s)');
  expectStatus('the signed delivery', answer, 202);
  const { deploymentId } = answer.body as { deploymentId: number };
  return deploymentId;
}

async function deliverForgery(endpoint: Endpoint, before: string, after: string): Promise<void> {
  step('The same kind of delivery signed with the wrong secret');
  const forged = pushDelivery('refs/heads/main', before, after);
  const answer = await sendDelivery(endpoint.webhook, forged, randomBytes(32).toString('hex'));
  detail(`→ ${jsonLine(answer)}  (rejected before anything touches git)`);
  expectStatus('the forged delivery', answer, 401);
}

async function waitForDeployment(endpoint: Endpoint, secrets: Secrets, id: number): Promise<Deployment> {
  const url = `${endpoint.base}/deployments/${id}`;
  const headers = { authorization: `Bearer ${secrets.adminToken}` };
  const deadline = Date.now() + DEPLOYMENT_WAIT_MS;
  for (;;) {
    const answer = await request(url, { headers });
    expectStatus(`GET /deployments/${id}`, answer, 200);
    const deployment = answer.body as Deployment;
    if (deployment.status === 'succeeded' || deployment.status === 'failed') return deployment;
    if (Date.now() > deadline) {
      throw new Error(`deployment ${id} still ${deployment.status} after ${DEPLOYMENT_WAIT_MS / 1000} s`);
    }
    await sleep(POLL_INTERVAL_MS);
  }
}

function logExcerpt(log: string): string {
  const lines = log.trimEnd().split('\n');
  const shown = lines.slice(-LOG_EXCERPT_LINES).map((line) => `  | ${line}`);
  return lines.length > LOG_EXCERPT_LINES ? ['  | …', ...shown].join('\n') : shown.join('\n');
}

async function showDeployment(endpoint: Endpoint, secrets: Secrets, id: number): Promise<void> {
  step(`Following deployment ${id}: GET /deployments/${id} with the admin token`);
  const deployment = await waitForDeployment(endpoint, secrets, id);
  detail(`status:    ${deployment.status}`);
  detail(`requested: ${short(deployment.requestedSha)}`);
  detail(`head:      ${short(deployment.headBefore)} → ${short(deployment.headAfter)}`);
  if (deployment.error) detail(`error:     ${deployment.error}`);
  detail('log:');
  detail(logExcerpt(deployment.log));
  if (deployment.status !== 'succeeded') throw new Error(`deployment ${id} failed: ${deployment.error}`);
}

async function showResult(endpoint: Endpoint, sandbox: Sandbox, after: string): Promise<void> {
  step('The deploy clone has moved');
  await showHealth(endpoint);
  const head = await git(sandbox.deploy, 'log', '--oneline', '-1');
  detail(`deploy/ git log --oneline -1 → ${head}`);
  const deployed = await readFile(join(sandbox.deploy, 'DEPLOYED.txt'), 'utf8');
  detail(`deploy/DEPLOYED.txt → ${deployed.trim()}`);
  if ((await git(sandbox.deploy, 'rev-parse', 'HEAD')) !== after) {
    throw new Error(`the deploy clone is not at the pushed commit ${short(after)}`);
  }
}

async function stopService(): Promise<void> {
  step('Stopping the service with SIGTERM, as systemd or Docker would');
  const code = await resources.service!.stop();
  detail(`the service exited with code ${code}`);
  if (code !== 0) throw new Error(`the service ${resources.service!.describeExit()}, expected code 0`);
}

async function runDemo(): Promise<void> {
  console.log('hookdeploy demo: a push on a throwaway repository, deployed by the real service');
  const sandbox = await createSandbox();
  const secrets = generateSecrets();
  const endpoint = await startService(sandbox, secrets);
  step('Asking the service for its health: the deployed head before the push');
  await showHealth(endpoint);
  const { before, after } = await pushFromDev(sandbox);
  const deploymentId = await deliverPush(endpoint, secrets, before, after);
  await deliverForgery(endpoint, before, after);
  await showDeployment(endpoint, secrets, deploymentId);
  await showResult(endpoint, sandbox, after);
  await stopService();
}

let closing: Promise<void> | undefined;

/** Kills the service if it still runs (its PID only) and removes the temp dir; safe to call twice. */
function cleanUp(): Promise<void> {
  closing ??= (async () => {
    resources.closing = true;
    await resources.service?.kill();
    if (resources.tempDir) await removeTempDir(resources.tempDir);
  })();
  return closing;
}

let ending: Promise<never> | undefined;

/**
 * Cleans up and exits with `exitCode`. Only the first reason is told: after Ctrl-C the
 * service and git get the signal too, and the steps then fail with consequences of it.
 */
function giveUp(reason: string, exitCode: number): Promise<never> {
  ending ??= (async () => {
    console.error(`\n${reason}`);
    if (resources.service && !resources.service.hasExited) console.error('Stopping the service…');
    await cleanUp().catch((error: unknown) => console.error(`Cleaning up failed too: ${String(error)}`));
    console.error(resources.tempDir ? `Removed ${resources.tempDir}.` : 'Nothing to clean up.');
    process.exit(exitCode);
  })();
  return ending;
}

// Ctrl-C reaches the service too (same process group); either way the demo cleans up.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void giveUp(`Interrupted by ${signal}.`, 130));
}

try {
  await withTimeout(runDemo(), DEMO_DEADLINE_MS, `it took longer than ${DEMO_DEADLINE_MS / 1000} s`);
  await cleanUp();
  detail(`removed ${resources.tempDir}`);
  console.log('\nDone: push → signed delivery → git pull in the deploy clone → deploy command → clean stop.');
  process.exit(0);
} catch (error) {
  await giveUp(`The demo failed: ${error instanceof Error ? error.message : String(error)}`, 1);
}
