import { join } from 'node:path';
import { pushPayload, signedDelivery } from '../../test/fixtures/deliveries.js';
import { git, GitFixture } from '../../test/fixtures/git-fixture.js';
import { ServiceProcess } from '../../test/fixtures/service-process.js';
import { rssMb } from './stats.js';

export const SECRET = 'bench-secret';
const TOKEN = 'bench-admin-token-0123456789';

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

  /** One signed push delivery; resolves with the answer time in ms, throws unless 202. */
  async deliver(sha: string): Promise<number> {
    const { headers, body } = signedDelivery(pushPayload({ after: sha }), { secret: SECRET });
    const started = performance.now();
    const res = await fetch(`${this.base}/github`, { method: 'POST', headers, body });
    await res.arrayBuffer();
    if (res.status !== 202) throw new Error(`delivery answered ${res.status}`);
    return performance.now() - started;
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
