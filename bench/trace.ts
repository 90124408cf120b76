/**
 * `npx tsx bench/trace.ts`: issue 12's breakdown of an answer. Starts the built service
 * as `npm run bench` does, with bench/lib/answer-trace.mjs loaded into it, sends
 * TRACE_ROUNDS (default 15) rounds of a signed ping then a signed push (each on its own
 * connection, each push's deployment finished before the next round), and prints the
 * median of each step for pings and pushes, and how long each kind of spawn held the
 * event loop. Run it on a quiet machine: the figures are a few hundred microseconds each.
 */
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PING_EXAMPLE, signedDelivery } from '../test/fixtures/deliveries.js';
import { tipReaches } from './lib/git-probe.js';
import { BenchService, SECRET } from './lib/service.js';
import { median, round, until } from './lib/stats.js';

const ROUNDS = Number(process.env.TRACE_ROUNDS ?? 15);

interface RequestMarks {
  kind: 'request';
  url: string;
  status: number;
  accepted: number;
  headers: number;
  bodyRead: number;
  fsyncStarted?: number;
  fsyncDone?: number;
  ended: number;
  finished: number;
}
interface SpawnMark {
  kind: 'spawn';
  args: string[];
  started: number;
  blockedMs: number;
}

const tracer = fileURLToPath(new URL('./lib/answer-trace.mjs', import.meta.url));
process.env.BENCH_NODE_ARGS = `${process.env.BENCH_NODE_ARGS ?? ''} --import ${tracer}`;
const service = await BenchService.start();
const file = join(tmpdir(), `hookdeploy-answer-trace.${service.process.child.pid}.jsonl`);
const clientMs = { ping: [] as number[], push: [] as number[] };
try {
  for (let i = -1; i < ROUNDS; i += 1) {
    const sha = await service.fixture.commitAndPush(`trace ${i}`);
    const push = BenchService.pushFor(sha);
    const ping = await service.deliver(signedDelivery(PING_EXAMPLE, { event: 'ping', secret: SECRET }), 200);
    const pushed = await service.deliver(push);
    await tipReaches(service.fixture.deploy, service.fixture.branch, sha, 30_000);
    await until(async () => (await service.deployments()).every((d) => d.status === 'succeeded'), 30_000);
    await new Promise((done) => setTimeout(done, 100));
    if (i < 0) continue; // the warm-up round
    clientMs.ping.push(ping);
    clientMs.push.push(pushed);
  }
} finally {
  await service.stop();
}
const events = (await readFile(file, 'utf8'))
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as RequestMarks | SpawnMark);
await rm(file, { force: true });

const requests = events.filter((e): e is RequestMarks => e.kind === 'request' && e.url === '/github');
const steps = (status: number) => {
  const of = requests.filter((r) => r.status === status).slice(1); // past the warm-up
  const step = (from: (r: RequestMarks) => number | undefined, to: (r: RequestMarks) => number | undefined) =>
    round(median(of.map((r) => (to(r) ?? NaN) - (from(r) ?? NaN)).filter(Number.isFinite)), 3);
  return {
    'connection accepted → headers parsed': step(
      (r) => r.accepted,
      (r) => r.headers,
    ),
    'headers → body read': step(
      (r) => r.headers,
      (r) => r.bodyRead,
    ),
    'body read → fsync starts (guard, parse, decide, transaction)': step(
      (r) => r.bodyRead,
      (r) => r.fsyncStarted,
    ),
    'fsync of the WAL (thread pool)': step(
      (r) => r.fsyncStarted,
      (r) => r.fsyncDone,
    ),
    'fsync done → res.end()': step(
      (r) => r.fsyncDone,
      (r) => r.ended,
    ),
    'res.end() → handed to the kernel': step(
      (r) => r.ended,
      (r) => r.finished,
    ),
    'accepted → handed to the kernel (server side)': step(
      (r) => r.accepted,
      (r) => r.finished,
    ),
  };
};
const ping = steps(200);
const push = steps(202);
console.table(
  Object.fromEntries(
    Object.keys(ping).map((key) => [
      key,
      { ping: ping[key as keyof typeof ping], push: push[key as keyof typeof push] },
    ]),
  ),
);
console.log(
  `client-side answer, median: ping ${round(median(clientMs.ping), 2)} ms, push ${round(median(clientMs.push), 2)} ms`,
);

// Spawns and where they fall against the push answers.
const spawns = events.filter((e): e is SpawnMark => e.kind === 'spawn');
const pushes = requests.filter((r) => r.status === 202);
const beforeAnswer = spawns.filter((s) => pushes.some((r) => s.started > r.accepted && s.started < r.ended)).length;
const byCommand = new Map<string, number[]>();
for (const s of spawns) {
  const name = s.args.find((arg) => !arg.startsWith('-') && !arg.includes('=')) ?? '?';
  byCommand.set(name, [...(byCommand.get(name) ?? []), s.blockedMs]);
}
console.table(
  Object.fromEntries(
    [...byCommand].map(([name, ms]) => [
      `git ${name}`,
      { spawns: ms.length, 'event loop held, median ms': round(median(ms), 2) },
    ]),
  ),
);
console.log(`spawns between a push's arrival and its res.end(): ${beforeAnswer} of ${spawns.length}`);
