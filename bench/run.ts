/**
 * `npm run bench`: the built service on loopback against a temp origin and clone.
 * Prints a table and writes bench/results/latest.json. Medians over several runs:
 * the machines are shared and noisy, single numbers are not evidence.
 */
import autocannon from 'autocannon';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pushPayload, signedDelivery } from '../test/fixtures/deliveries.js';
import { git, GitFixture } from '../test/fixtures/git-fixture.js';
import { ServiceProcess } from '../test/fixtures/service-process.js';
import { sign } from '../src/webhook/verify-signature.js';
import { median, round, rssMb, until } from './stats.js';

const SECRET = 'bench-secret';
const TOKEN = 'bench-admin-token-0123456789';
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const REJECT_SECONDS = 5;

interface Service {
  fixture: GitFixture;
  process: ServiceProcess;
  base: string;
}

async function startService(): Promise<Service> {
  const fixture = await GitFixture.create();
  const service = ServiceProcess.start(
    { GITHUB_SECRET: SECRET, REPO_PATH: fixture.deploy, PORT: '0', HOST: '127.0.0.1', ADMIN_TOKEN: TOKEN },
    fixture.root,
  );
  return { fixture, process: service, base: `http://127.0.0.1:${await service.port()}` };
}

async function stopService(service: Service): Promise<void> {
  service.process.child.kill('SIGTERM');
  await service.process.exitCode();
  await service.fixture.remove();
}

/**
 * Waits for the service's own "Repository updated with commit <sha7>" line: polling
 * /health would run git in the service and slow down what is being measured.
 */
async function headMoved(service: Service, sha: string, timeoutMs: number): Promise<void> {
  await until(
    async () =>
      service.process.output.some((line) => line.includes(`Repository updated with commit ${sha.slice(0, 7)}`)),
    timeoutMs,
  );
}

async function deliver(service: Service, sha: string): Promise<number> {
  const { headers, body } = signedDelivery(pushPayload({ after: sha }), { secret: SECRET });
  const started = performance.now();
  const res = await fetch(`${service.base}/github`, { method: 'POST', headers, body });
  await res.arrayBuffer();
  if (res.status !== 202) throw new Error(`delivery answered ${res.status}`);
  return performance.now() - started;
}

/** Wrongly signed deliveries over 10 connections for 5 s: the cost of turning away a stranger. */
async function reject(service: Service): Promise<{ rps: number; p50: number; p99: number }> {
  const body = JSON.stringify(pushPayload({ after: 'a'.repeat(40) }));
  const result = await autocannon({
    url: `${service.base}/github`,
    method: 'POST',
    connections: 10,
    duration: REJECT_SECONDS,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-hub-signature-256': sign('not-the-secret', body),
    },
    body,
  });
  if (result.non2xx !== result.requests.total) throw new Error('a wrongly signed delivery was not refused');
  // A fixed window, counted: with `amount`, autocannon ends on its one-second ticker and its rate is quantised.
  return { rps: round(result.requests.total / REJECT_SECONDS, 0), p50: result.latency.p50, p99: result.latency.p99 };
}

/** 50 commits pushed, then 50 signed deliveries at once. */
async function burst(service: Service): Promise<{ convergeMs: number; deploys: number; slowestMs: number }> {
  const shas: string[] = [];
  for (let i = 0; i < 50; i += 1) shas.push(await service.fixture.commit(`burst ${i}`));
  await service.fixture.push();
  const before = await listDeployments(service);
  const started = performance.now();
  const answers = await Promise.all(shas.map((sha) => deliver(service, sha)));
  await headMoved(service, shas.at(-1)!, 60_000);
  const convergeMs = performance.now() - started;
  await until(async () => (await listDeployments(service)).every((d) => d.status === 'succeeded'), 60_000);
  return {
    convergeMs: round(convergeMs),
    deploys: (await listDeployments(service)).length - before.length,
    slowestMs: round(Math.max(...answers)),
  };
}

async function listDeployments(service: Service): Promise<{ status: string }[]> {
  const res = await fetch(`${service.base}/deployments`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return (await res.json()) as { status: string }[];
}

/** One push at a time: request → HEAD moved, against a direct `git pull --rebase` of the same commit. */
async function single(
  service: Service,
  pushes: number,
): Promise<{ ratio: number; serviceMs: number; directMs: number }> {
  const mirror = join(service.fixture.root, 'mirror');
  await git(service.fixture.root, 'clone', '--quiet', service.fixture.origin, mirror);
  const ratios: number[] = [];
  const serviceTimes: number[] = [];
  const directTimes: number[] = [];
  for (let i = 0; i < pushes; i += 1) {
    const sha = await service.fixture.commitAndPush(`single ${i}`);
    const started = performance.now();
    await deliver(service, sha);
    await headMoved(service, sha, 30_000);
    const serviceMs = performance.now() - started;
    const directStarted = performance.now();
    await git(mirror, 'pull', '--quiet', '--rebase', 'origin', service.fixture.branch);
    const directMs = performance.now() - directStarted;
    serviceTimes.push(serviceMs);
    directTimes.push(directMs);
    ratios.push(serviceMs / directMs);
  }
  return {
    ratio: round(median(ratios), 2),
    serviceMs: round(median(serviceTimes)),
    directMs: round(median(directTimes)),
  };
}

async function main(): Promise<void> {
  const runs: Record<string, number>[] = [];
  for (let run = 1; run <= RUNS; run += 1) {
    const service = await startService();
    try {
      const idleRssMb = await rssMb(service.process.child.pid!);
      const rejected = await reject(service);
      const burstResult = await burst(service);
      const afterBurstRssMb = await rssMb(service.process.child.pid!);
      const singleResult = await single(service, 7);
      runs.push({
        rejectRps: rejected.rps,
        rejectP50Ms: rejected.p50,
        rejectP99Ms: rejected.p99,
        burstConvergeMs: burstResult.convergeMs,
        burstDeploys: burstResult.deploys,
        burstSlowestAnswerMs: burstResult.slowestMs,
        singleRatio: singleResult.ratio,
        singleServiceMs: singleResult.serviceMs,
        singleDirectPullMs: singleResult.directMs,
        idleRssMb,
        afterBurstRssMb,
      });
      process.stdout.write(`run ${run}/${RUNS} done\n`);
    } finally {
      await stopService(service);
    }
  }
  const medians = Object.fromEntries(Object.keys(runs[0]!).map((key) => [key, median(runs.map((r) => r[key]!))]));
  console.table(medians);
  await mkdir('bench/results', { recursive: true });
  await writeFile(
    'bench/results/latest.json',
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, runs, medians }, null, 2)}\n`,
  );
  process.stdout.write('written to bench/results/latest.json\n');
}

await main();
