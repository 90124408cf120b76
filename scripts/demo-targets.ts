/**
 * `npm run demo:targets`: one hookdeploy deploying three work trees from three forges
 * (GitHub, GitLab, Gitea), on throwaway repositories. It writes a targets file, starts the
 * built service with it as an operator would, pushes a commit to each origin, sends each
 * forge's push delivery with that forge's own headers and proof, and shows each work tree
 * move. Nothing outside a temporary directory is touched, and nothing is left running.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Deployment } from '../src/domain/deployment.js';
import type { TargetView } from '../src/deployments/targets.controller.js';
import { DemoLifecycle } from './lib/demo-lifecycle.js';
import { forgePushDelivery, PROOF_HEADERS, type DemoForge, type ForgeDelivery } from './lib/forge-deliveries.js';
import { request, type JsonAnswer } from './lib/http.js';
import { detail, short, step } from './lib/print.js';
import { createRepositories, git, GIT_ISOLATION, pushAChange, type Sandbox } from './lib/sandbox.js';
import { ServiceProcess } from './lib/service.js';

const DEMO_DEADLINE_MS = 120_000;
const DEPLOYMENT_WAIT_MS = 30_000;
const POLL_INTERVAL_MS = 200;

/** Harmless and visible: a file in each work tree saying what was deployed there. */
const DEPLOY_COMMAND = 'echo "deployed $DEPLOY_SHA to target $DEPLOY_TARGET" > DEPLOYED.txt';

interface DemoTarget {
  id: string;
  forge: DemoForge;
  /** The repository as its forge names it. */
  repository: string;
  /** The environment variable the targets file reads its secret from. */
  secretVariable: string;
}

const TARGETS: readonly DemoTarget[] = [
  { id: 'site', forge: 'github', repository: 'demo/site', secretVariable: 'SITE_SECRET' },
  { id: 'docs', forge: 'gitlab', repository: 'demo/handbook/docs', secretVariable: 'DOCS_GITLAB_TOKEN' },
  { id: 'api', forge: 'gitea', repository: 'demo/api', secretVariable: 'API_SECRET' },
];

interface Running {
  target: DemoTarget;
  sandbox: Sandbox;
  secret: string;
  after?: string;
  deploymentId?: number;
}

const lifecycle = new DemoLifecycle();

function jsonLine(answer: JsonAnswer): string {
  return `${answer.status} ${answer.text}`;
}

function expectStatus(what: string, answer: JsonAnswer, expected: number): void {
  if (answer.status !== expected) throw new Error(`${what}: expected ${expected}, got ${jsonLine(answer)}`);
}

async function createSandboxes(): Promise<{ root: string; running: Running[] }> {
  step('Creating three throwaway repositories, one per target');
  const root = await lifecycle.makeTempDir();
  detail(`in ${root}`);
  const running: Running[] = [];
  for (const target of TARGETS) {
    const dir = join(root, target.id);
    await mkdir(dir);
    const sandbox = await createRepositories(dir);
    running.push({ target, sandbox, secret: randomBytes(32).toString('hex') });
    detail(
      `${`${target.id}/`.padEnd(6)} origin.git (stands in for ${target.forge}), dev/ (the developer), deploy/ (the work tree)`,
    );
  }
  detail('each deploy/ is on main at its first commit; a secret per target, random (values not shown)');
  return { root, running };
}

/** The targets file, secrets by reference: the values stay in the service's environment. */
async function writeTargetsFile(root: string, running: Running[]): Promise<string> {
  step('Writing the targets file (HOOKDEPLOY_CONFIG): three targets, three forges');
  const blocks = running.map(({ target, sandbox }) =>
    [
      `  - id: ${target.id} # POST /hooks/${target.id}`,
      `    forge: ${target.forge}`,
      `    secrets: ['\${${target.secretVariable}}']`,
      `    repoPath: ${JSON.stringify(sandbox.deploy)}`,
      `    repository: ${target.repository}`,
      `    command: ${JSON.stringify(DEPLOY_COMMAND)}`,
      '    timeout: 20',
    ].join('\n'),
  );
  const text = `targets:\n${blocks.join('\n')}\n`;
  const path = join(root, 'hookdeploy.yml');
  await writeFile(path, text);
  detail(text.trimEnd().replaceAll(root, '$TMP'));
  return path;
}

async function startService(
  root: string,
  config: string,
  running: Running[],
  adminToken: string,
): Promise<{ base: string; service: ServiceProcess }> {
  step('Starting the service: HOOKDEPLOY_CONFIG=hookdeploy.yml node dist/main.js');
  detail('PORT=0 lets it pick a free port; it runs in the temp dir so no .env of yours applies');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...GIT_ISOLATION,
    NO_COLOR: '1',
    HOOKDEPLOY_CONFIG: config,
    ADMIN_TOKEN: adminToken,
    PORT: '0',
    HOST: '127.0.0.1',
  };
  for (const { target, secret } of running) env[target.secretVariable] = secret;
  const service = lifecycle.adopt(() => ServiceProcess.start(root, env));
  const port = await service.waitForPort((line) => console.log(`  service | ${line}`));
  const base = `http://127.0.0.1:${port}`;
  detail(`ready at ${base} (pid ${service.pid})`);
  return { base, service };
}

async function showTargets(base: string, adminToken: string): Promise<void> {
  const answer = await request(`${base}/targets`, { headers: { authorization: `Bearer ${adminToken}` } });
  expectStatus('GET /targets', answer, 200);
  for (const view of answer.body as TargetView[]) {
    const last = view.lastDeployment ? `, last deployment ${view.lastDeployment.id} ${view.lastDeployment.status}` : '';
    detail(
      `${view.id.padEnd(5)} ${view.forge.padEnd(7)} ${view.repository} on ${view.branch}: head ${short(view.head)}${last}`,
    );
  }
}

async function pushEverywhere(running: Running[]): Promise<{ before: string; after: string }[]> {
  step('A developer pushes a commit to each of the three origins');
  const pushes: { before: string; after: string }[] = [];
  for (const entry of running) {
    const commits = await pushAChange(entry.sandbox.dev, `Update ${entry.target.id}`);
    entry.after = commits.after;
    pushes.push(commits);
    detail(`${entry.target.id}: main ${short(commits.before)} → ${short(commits.after)} "Update ${entry.target.id}"`);
  }
  return pushes;
}

async function deliver(base: string, id: string, delivery: ForgeDelivery): Promise<JsonAnswer> {
  return request(`${base}/hooks/${id}`, { method: 'POST', headers: delivery.headers, body: delivery.body });
}

async function sendDeliveries(base: string, running: Running[], pushes: { before: string; after: string }[]) {
  step("Each forge calls its target's webhook, with its own headers and proof");
  for (const [index, entry] of running.entries()) {
    const { target } = entry;
    const push = { repository: target.repository, branch: 'main', message: `Update ${target.id}`, ...pushes[index]! };
    const delivery = forgePushDelivery(target.forge, push, entry.secret);
    const headers = PROOF_HEADERS[target.forge];
    detail(`POST /hooks/${target.id}  (${target.forge})  ${headers.event}  ${headers.id}: ${delivery.id}`);
    detail(`  ${headers.proof}`);
    const answer = await deliver(base, target.id, delivery);
    detail(`  → ${jsonLine(answer)}`);
    expectStatus(`the ${target.forge} delivery to ${target.id}`, answer, 202);
    entry.deploymentId = (answer.body as { deploymentId: number }).deploymentId;
  }
  detail('(each target has its own queue: the three deploy side by side, MAX_PARALLEL_DEPLOYS=2 at a time)');
}

async function sendMisdirected(base: string, running: Running[], pushes: { before: string; after: string }[]) {
  step("The GitHub delivery for site, sent to api's URL instead");
  const site = running[0]!;
  const push = { repository: site.target.repository, branch: 'main', message: 'Update site', ...pushes[0]! };
  const answer = await deliver(base, 'api', forgePushDelivery('github', push, site.secret));
  detail(`POST /hooks/api → ${jsonLine(answer)}`);
  detail("(each target checks its own secrets: site's secret proves nothing to api)");
  expectStatus('the misdirected delivery', answer, 401);
}

async function waitForDeployment(base: string, adminToken: string, id: number): Promise<Deployment> {
  const deadline = Date.now() + DEPLOYMENT_WAIT_MS;
  for (;;) {
    const answer = await request(`${base}/deployments/${id}`, { headers: { authorization: `Bearer ${adminToken}` } });
    expectStatus(`GET /deployments/${id}`, answer, 200);
    const deployment = answer.body as Deployment;
    if (deployment.status === 'succeeded' || deployment.status === 'failed') return deployment;
    if (Date.now() > deadline)
      throw new Error(`deployment ${id} still ${deployment.status} after ${DEPLOYMENT_WAIT_MS / 1000} s`);
    await sleep(POLL_INTERVAL_MS);
  }
}

async function showWorkTrees(base: string, adminToken: string, running: Running[]): Promise<void> {
  step('Following the three deployments: GET /deployments/:id with the admin token');
  for (const { target, deploymentId } of running) {
    const deployment = await waitForDeployment(base, adminToken, deploymentId!);
    detail(
      `${target.id}: deployment ${deployment.id} ${deployment.status}, head ${short(deployment.headBefore)} → ${short(deployment.headAfter)}`,
    );
    if (deployment.status !== 'succeeded')
      throw new Error(`deployment ${deployment.id} of ${target.id} failed: ${deployment.error}`);
  }
  step('Each work tree has moved');
  for (const { target, sandbox, after } of running) {
    const head = await git(sandbox.deploy, 'log', '--oneline', '-1');
    const deployed = (await readFile(join(sandbox.deploy, 'DEPLOYED.txt'), 'utf8')).trim();
    detail(`${target.id.padEnd(4)} deploy/  git log --oneline -1 → ${head}`);
    detail(`${target.id.padEnd(4)} deploy/DEPLOYED.txt → ${deployed}`);
    if ((await git(sandbox.deploy, 'rev-parse', 'HEAD')) !== after) {
      throw new Error(`${target.id}'s work tree is not at the pushed commit ${short(after)}`);
    }
  }
  detail('GET /targets:');
  await showTargets(base, adminToken);
}

async function runDemo(): Promise<void> {
  console.log('hookdeploy demo: three targets from three forges in one service, on throwaway repositories');
  const { root, running } = await createSandboxes();
  const adminToken = randomBytes(32).toString('hex');
  const config = await writeTargetsFile(root, running);
  const { base, service } = await startService(root, config, running, adminToken);
  step('Asking for the targets: GET /targets with the admin token');
  await showTargets(base, adminToken);
  const pushes = await pushEverywhere(running);
  await sendDeliveries(base, running, pushes);
  await sendMisdirected(base, running, pushes);
  await showWorkTrees(base, adminToken, running);
  step('Stopping the service with SIGTERM, as systemd or Docker would');
  const code = await service.stop();
  detail(`the service exited with code ${code}`);
  if (code !== 0) throw new Error(`the service ${service.describeExit()}, expected code 0`);
}

await lifecycle.run(
  runDemo,
  DEMO_DEADLINE_MS,
  "Done: three pushes → three forges' deliveries → three work trees moved, each by its own queue → clean stop.",
);
