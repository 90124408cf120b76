import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pushPayload, signedDelivery, type SignedRequest } from '../../test/fixtures/deliveries.js';
import { GitFixture } from '../../test/fixtures/git-fixture.js';
import { ServiceProcess } from '../../test/fixtures/service-process.js';
import { deliver } from './deliver.js';
import { benchNodeArgs, TOKEN } from './service.js';

/**
 * The built service with a targets file (HOOKDEPLOY_CONFIG), started as production runs
 * it, on loopback: each target a GitHub target over its own bare origin, developer clone
 * and deploy clone, in one temp directory. Server settings as shipped (MAX_PARALLEL_DEPLOYS
 * unset: its default).
 */
export class BenchTargets {
  private constructor(
    readonly root: string,
    readonly fixtures: ReadonlyMap<string, GitFixture>,
    readonly process: ServiceProcess,
    readonly base: string,
  ) {}

  static async start(ids: readonly string[], env: Record<string, string> = {}): Promise<BenchTargets> {
    const root = await mkdtemp(join(tmpdir(), 'hookdeploy-bench-targets-'));
    const fixtures = new Map<string, GitFixture>();
    const blocks: string[] = [];
    for (const id of ids) {
      const fixture = await GitFixture.create();
      fixtures.set(id, fixture);
      blocks.push(
        [
          `  - id: ${id}`,
          '    forge: github',
          `    secrets: [${JSON.stringify(secretOf(id))}]`,
          `    repoPath: ${JSON.stringify(fixture.deploy)}`,
          '',
        ].join('\n'),
      );
    }
    const config = join(root, 'hookdeploy.yml');
    await writeFile(config, `targets:\n${blocks.join('')}`);
    const service = ServiceProcess.start(
      {
        HOOKDEPLOY_CONFIG: config,
        DATA_DIR: join(root, 'data'),
        PORT: '0',
        HOST: '127.0.0.1',
        ADMIN_TOKEN: TOKEN,
        NODE_ENV: 'production',
        ...env,
      },
      root,
      benchNodeArgs(),
    );
    try {
      return new BenchTargets(root, fixtures, service, `http://127.0.0.1:${await service.port()}`);
    } catch (error) {
      service.stop();
      for (const fixture of fixtures.values()) await fixture.remove();
      await rm(root, { recursive: true, force: true });
      throw error;
    }
  }

  fixture(id: string): GitFixture {
    const fixture = this.fixtures.get(id);
    if (!fixture) throw new Error(`no target ${id}`);
    return fixture;
  }

  /** The signed push delivery GitHub would send to target `id` for `sha`, built before any clock starts. */
  pushFor(id: string, sha: string): SignedRequest {
    return signedDelivery(pushPayload({ after: sha }), { secret: secretOf(id) });
  }

  /** Sends a prepared delivery to POST /hooks/<id> on a connection of its own (see deliver()). */
  deliver(id: string, delivery: SignedRequest): Promise<number> {
    return deliver(`${this.base}/hooks/${id}`, delivery);
  }

  /** Every deployment of every target, newest first. */
  async deployments(): Promise<{ status: string; target?: string }[]> {
    const res = await fetch(`${this.base}/deployments?log=false&limit=500`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    return (await res.json()) as { status: string; target?: string }[];
  }

  async stop(): Promise<void> {
    this.process.child.kill('SIGTERM');
    await this.process.exitCode();
    for (const fixture of this.fixtures.values()) await fixture.remove();
    await rm(this.root, { recursive: true, force: true });
  }
}

function secretOf(id: string): string {
  return `bench-secret-${id}`;
}
