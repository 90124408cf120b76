import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pushPayload, signedDelivery, type SignedRequest } from '../../test/fixtures/deliveries.js';
import { git, GitFixture } from '../../test/fixtures/git-fixture.js';
import { ServiceProcess } from '../../test/fixtures/service-process.js';
import { deliver } from './deliver.js';
import { rssMb } from './stats.js';

export const SECRET = 'bench-secret';

/** The node flags of `npm run start:prod`: the service is measured as production runs it. */
export const PRODUCTION_NODE_FLAGS = startProdFlags();

/** start:prod's flags, then BENCH_NODE_ARGS (to profile the service under the benchmark). */
export function benchNodeArgs(): string[] {
  return [...PRODUCTION_NODE_FLAGS, ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [])];
}

function startProdFlags(): string[] {
  const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
  const words = scripts['start:prod']!.split(/\s+/);
  if (words[0] !== 'node' || words.at(-1) !== 'dist/main.js')
    throw new Error('start:prod is no longer `node … dist/main.js`');
  return words.slice(1, -1);
}
export const TOKEN = 'bench-admin-token-0123456789';

/** The built service as an operator runs it in production, on loopback, over a temp origin and clone. */
export class BenchService {
  private constructor(
    readonly fixture: GitFixture,
    readonly process: ServiceProcess,
    readonly base: string,
  ) {}

  static async start(): Promise<BenchService> {
    const fixture = await GitFixture.create();
    const service = ServiceProcess.start(
      {
        GITHUB_SECRET: SECRET,
        REPO_PATH: fixture.deploy,
        PORT: '0',
        HOST: '127.0.0.1',
        ADMIN_TOKEN: TOKEN,
        NODE_ENV: 'production',
      },
      fixture.root,
      // To profile the service under the benchmark: BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
      benchNodeArgs(),
    );
    return new BenchService(fixture, service, `http://127.0.0.1:${await service.port()}`);
  }

  async stop(): Promise<void> {
    this.process.child.kill('SIGTERM');
    await this.process.exitCode();
    await this.fixture.remove();
  }

  rssMb(): Promise<number> {
    return rssMb(this.process.child.pid!);
  }

  /** A clone of the origin as it is now: the same commits to pull as the service's clone. */
  async mirror(name: string): Promise<string> {
    const dir = join(this.fixture.root, name);
    await git(this.fixture.root, 'clone', '--quiet', this.fixture.origin, dir);
    return dir;
  }

  /** The signed push delivery GitHub would send for `sha`, built before any clock starts. */
  static pushFor(sha: string): SignedRequest {
    return signedDelivery(pushPayload({ after: sha }), { secret: SECRET });
  }

  /** Sends one prepared delivery to WEBHOOK_PATH, as GitHub does (see deliver()). */
  deliver(delivery: SignedRequest, expected = 202): Promise<number> {
    return deliver(`${this.base}/github`, delivery, expected);
  }

  async deployments(): Promise<{ status: string }[]> {
    const res = await fetch(`${this.base}/deployments?log=false&limit=500`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    return (await res.json()) as { status: string }[];
  }
}

/** Wall time of `git pull --rebase` on `clone`, as an operator would run it by hand. */
export async function directPullMs(clone: string, branch: string): Promise<number> {
  const started = performance.now();
  await git(clone, 'pull', '--quiet', '--rebase', 'origin', branch);
  return performance.now() - started;
}
