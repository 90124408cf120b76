/**
 * `tsx bench/profile-summary.ts <file.cpuprofile>`: where a service's main thread spent its
 * time under a bench (`BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"`), self time
 * grouped by what the code is: hookdeploy's own, the frameworks, SQLite, crypto, logging,
 * Node's HTTP, garbage collection, idle. The shares of the busy time, then the top functions.
 */
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const GROUPS: [name: string, test: (fn: string, url: string) => boolean][] = [
  ['idle', (fn) => fn === '(idle)'],
  ['garbage collection', (fn) => fn === '(garbage collector)'],
  ['V8 and native, unattributed', (fn) => fn === '(program)'],
  [
    'SQLite (better-sqlite3)',
    (fn, url) => url.includes('better-sqlite3') || (/^(run|all|get|exec|prepare|transaction)$/.test(fn) && url === ''),
  ],
  ['logging (pino)', (_fn, url) => /pino|sonic-boom|escape-control/.test(url)],
  [
    'HMAC and hashes',
    (fn, url) => url.includes('internal/crypto') || /^(digest|update|createHmac|timingSafeEqual)$/.test(fn),
  ],
  ['JSON', (fn) => fn === 'parse' || fn === 'stringify'],
  ['Nest', (_fn, url) => url.includes('@nestjs')],
  [
    'Express and its router',
    (_fn, url) => /node_modules\/(express|router|body-parser|finalhandler|send|path-to-regexp|qs)\//.test(url),
  ],
  ['hookdeploy', (_fn, url) => url.includes('/dist/')],
  [
    'Node HTTP and sockets',
    (_fn, url) =>
      /node:(_http|http|net|internal\/(http|stream|streams|net))|_http_/.test(url) ||
      url.startsWith('node:internal/stream'),
  ],
  ['other node: internals', (_fn, url) => url.startsWith('node:')],
  ['other dependencies', (_fn, url) => url.includes('node_modules')],
  ['native, other', () => true],
];

const file = process.argv[2];
if (!file) throw new Error('usage: tsx bench/profile-summary.ts <file.cpuprofile>');
const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

const groups = new Map<string, number>();
const functions = new Map<string, number>();
for (const [id, us] of self) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const group = GROUPS.find(([, test]) => test(functionName, url))![0];
  groups.set(group, (groups.get(group) ?? 0) + us);
  const name = `${functionName || '(anonymous)'} ${url.replace(/.*node_modules\//, '').replace(/.*\/dist\//, 'dist/')}:${lineNumber + 1}`;
  functions.set(name, (functions.get(name) ?? 0) + us);
}
const total = [...groups.values()].reduce((a, b) => a + b, 0);
const busy = total - (groups.get('idle') ?? 0);
const pct = (us: number, of: number): string => `${((us / of) * 100).toFixed(1)}%`;
console.log(`profiled ${(total / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s (${pct(busy, total)})`);
for (const [group, us] of [...groups].sort((a, b) => b[1] - a[1]))
  if (group !== 'idle') console.log(`  ${pct(us, busy).padStart(6)} of busy  ${group}`);
console.log('top functions (self time, share of busy):');
for (const [name, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, 25))
  if (!name.startsWith('(idle)')) console.log(`  ${pct(us, busy).padStart(6)}  ${name}`);
