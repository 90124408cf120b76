import Database from 'better-sqlite3';
import { mkdir, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import type { Deployment } from '../../../src/domain/deployment.js';
import { fixtureDefaults, signedDelivery } from '../../fixtures/forge-deliveries.js';
import { GitFixture } from '../../fixtures/git-fixture.js';
import { ServiceProcess } from '../../fixtures/service-process.js';
import { settledStatus } from '../../fixtures/targets-service.js';
import { waitFor } from '../../fixtures/wait.js';

export const ADMIN_TOKEN = 'releases-test-admin-token-0123456789';
const SECRET = 'site-secret';
export const WAIT_MS = 30_000;

/** The release keys of the one target `site`, as the file writes them. */
export interface ReleaseSpec {
  keep?: number;
  shared?: string[];
  build?: string;
  activate?: string;
  healthCheck?: { url: string; timeout?: number };
  timeout?: number;
  /** The target's `report:` keys, written as given (with `repository` set: the local origin names none). */
  report?: Record<string, string>;
}

/**
 * `node dist/main.js` with one release-mode target `site` over a GitFixture: the clone is
 * the fixture's `deploy`, the releases live in `<fixture root>/app`. Commands see
 * `$MARKS`, a directory where they leave files the tests read (the service passes its
 * environment on to them).
 */
export class ReleaseService {
  service!: ServiceProcess;
  port = 0;

  private constructor(
    readonly fixture: GitFixture,
    private readonly env: Record<string, string>,
  ) {}

  /** `env`: more variables for the service (GIT_CONFIG_GLOBAL). */
  static async start(spec: ReleaseSpec, env: Record<string, string> = {}): Promise<ReleaseService> {
    const release = new ReleaseService(await GitFixture.create(), env);
    await release.writeConfig(spec);
    await release.launch();
    return release;
  }

  get path(): string {
    return join(this.fixture.root, 'app');
  }
  get marks(): string {
    return join(this.fixture.root, 'marks');
  }
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async writeConfig(spec: ReleaseSpec): Promise<void> {
    const lines = [
      'targets:',
      '  - id: site',
      `    secrets: [${JSON.stringify(SECRET)}]`,
      `    repoPath: ${JSON.stringify(this.fixture.deploy)}`,
      `    timeout: ${spec.timeout ?? 60}`,
      '    mode: release',
      '    releases:',
      `      path: ${JSON.stringify(this.path)}`,
      `      keep: ${spec.keep ?? 5}`,
      `      shared: ${JSON.stringify(spec.shared ?? [])}`,
    ];
    if (spec.build !== undefined) lines.push(`    build: ${JSON.stringify(spec.build)}`);
    if (spec.activate !== undefined) lines.push(`    activate: ${JSON.stringify(spec.activate)}`);
    if (spec.healthCheck !== undefined) {
      lines.push(
        '    healthCheck:',
        `      url: ${spec.healthCheck.url}`,
        `      timeout: ${spec.healthCheck.timeout ?? 5}`,
      );
    }
    if (spec.report !== undefined) {
      lines.push(`    repository: ${fixtureDefaults('github').repository}`, '    report:');
      for (const [key, value] of Object.entries(spec.report)) lines.push(`      ${key}: ${JSON.stringify(value)}`);
    }
    await writeFile(join(this.fixture.root, 'hookdeploy.yml'), `${lines.join('\n')}\n`);
    await mkdir(this.marks, { recursive: true });
  }

  /** Starts the process (again, after a kill) and waits until it listens. */
  async launch(): Promise<void> {
    this.service = ServiceProcess.start(
      {
        HOOKDEPLOY_CONFIG: join(this.fixture.root, 'hookdeploy.yml'),
        ADMIN_TOKEN,
        DATA_DIR: join(this.fixture.root, 'data'),
        PORT: '0',
        HOST: '127.0.0.1',
        MARKS: this.marks,
        ...this.env,
      },
      this.fixture.root,
    );
    this.port = await this.service.port();
  }

  /** Sends the signed push of `sha` (already on origin); returns the deployment id. */
  async deliver(sha: string): Promise<number> {
    const { headers, body } = signedDelivery('github', 'push', {
      secret: SECRET,
      branch: this.fixture.branch,
      after: sha,
    });
    const response = await fetch(`${this.url}/hooks/site`, { method: 'POST', headers, body });
    if (response.status !== 202) throw new Error(`push answered ${response.status}: ${await response.text()}`);
    return ((await response.json()) as { deploymentId: number }).deploymentId;
  }

  /** Commits `files` (default: a new file) on origin and sends the signed push; returns the deployment id and sha. */
  async push(files?: Record<string, string>): Promise<{ id: number; sha: string }> {
    // Written here, folders included (the fixture writes top-level files only).
    for (const [name, content] of Object.entries(files ?? {})) {
      await mkdir(dirname(join(this.fixture.dev, name)), { recursive: true });
      await writeFile(join(this.fixture.dev, name), content);
    }
    const sha = await this.fixture.commitAndPush(undefined, files && {});
    const { headers, body } = signedDelivery('github', 'push', {
      secret: SECRET,
      branch: this.fixture.branch,
      after: sha,
    });
    const response = await fetch(`${this.url}/hooks/site`, { method: 'POST', headers, body });
    if (response.status !== 202) throw new Error(`push answered ${response.status}: ${await response.text()}`);
    return { id: ((await response.json()) as { deploymentId: number }).deploymentId, sha };
  }

  /** push(), then waits for the deployment to end. */
  async deploy(files?: Record<string, string>): Promise<Deployment> {
    return this.settled((await this.push(files)).id);
  }

  async api<T>(path: string): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    return { status: response.status, body: (await response.json()) as T };
  }

  async settled(id: number, timeoutMs = WAIT_MS): Promise<Deployment> {
    let last: Deployment | undefined;
    await waitFor(
      `deployment ${id} ends`,
      async () => {
        const { status, body } = await this.api<Deployment>(`/deployments/${id}`);
        last = status === 200 ? body : undefined;
        return last !== undefined && settledStatus(last);
      },
      timeoutMs,
    ).catch((error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(last)}\n${this.service.text()}`);
    });
    return last!;
  }

  /** The release `current` points at, from the link itself. */
  async current(): Promise<string> {
    return readlink(join(this.path, 'current'));
  }

  async releases(): Promise<string[]> {
    return (await readdir(join(this.path, 'releases'))).filter((name) => !name.startsWith('.')).sort(byId);
  }

  /** The lines a command appended to `$MARKS/<name>`. */
  async marked(name: string): Promise<string[]> {
    const text = await readFile(join(this.marks, name), 'utf8').catch(() => '');
    return text.split('\n').filter(Boolean);
  }

  /**
   * A rollback deployment of `site` to the release of deployment `of`, queued in the
   * database while the service is stopped (POST /deployments/:id/rollback, the control
   * side's endpoint, makes the same row); the next start runs it.
   */
  async queueRollback(of: number): Promise<number> {
    await this.stop();
    const db = new Database(join(this.fixture.root, 'data', 'hookdeploy.db'));
    try {
      const { lastInsertRowid } = db
        .prepare(
          `INSERT INTO deployments (target, status, trigger, ref, requested_sha, queued_at, rollback_of)
           VALUES ('site', 'queued', 'rollback', ?, NULL, ?, ?)`,
        )
        .run(`refs/heads/${this.fixture.branch}`, new Date().toISOString(), of);
      return Number(lastInsertRowid);
    } finally {
      db.close();
    }
  }

  async stop(): Promise<void> {
    this.service.child.kill('SIGTERM');
    await this.service.exitCode();
  }

  async kill(): Promise<void> {
    this.service.child.kill('SIGKILL');
    await this.service.exitCode();
  }

  async remove(): Promise<void> {
    this.service?.stop();
    await this.service?.exitCode().catch(() => undefined);
    await this.fixture.remove();
  }
}

/** Release names in the order the deployments made them. */
export function byId(a: string, b: string): number {
  return Number.parseInt(a, 10) - Number.parseInt(b, 10);
}

/** A health endpoint on loopback whose answer the test sets: 200, 503, or none (the request hangs). */
export class HealthEndpoint {
  answer: 200 | 503 | 'hang' = 200;
  requests = 0;
  private constructor(private readonly server: Server) {}

  static async start(): Promise<HealthEndpoint> {
    const server = createServer((_request, response) => {
      endpoint.requests += 1;
      if (endpoint.answer === 'hang') return;
      response.writeHead(endpoint.answer).end('health\n');
    });
    const endpoint = new HealthEndpoint(server);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    return endpoint;
  }

  get url(): string {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('not listening');
    return `http://127.0.0.1:${address.port}/health`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((done) => this.server.close(done));
  }
}
