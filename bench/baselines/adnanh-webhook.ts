import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * adnanh/webhook (the Go tool issue 12 compares against, `webhook` on the PATH) on
 * loopback, as its README configures a GitHub hook: the HMAC of the body checked against
 * X-Hub-Signature-256 (`payload-hmac-sha256`), a trivial command run in the background,
 * answered 202 like hookdeploy's accepted push. Its answer time is measured by the same
 * client in the same run (bench/scenarios/answer.ts).
 */
export class AdnanhWebhook {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly url: string,
  ) {}

  static async start(secret: string): Promise<AdnanhWebhook> {
    const dir = await mkdtemp(join(tmpdir(), 'hookdeploy-bench-webhook-'));
    const hooks = [
      {
        id: 'github',
        'execute-command': '/bin/true',
        'success-http-response-code': 202,
        'trigger-rule': {
          match: {
            type: 'payload-hmac-sha256',
            secret,
            parameter: { source: 'header', name: 'X-Hub-Signature-256' },
          },
        },
      },
    ];
    await writeFile(join(dir, 'hooks.json'), JSON.stringify(hooks));
    const port = await freePort();
    const child = spawn('webhook', ['-hooks', join(dir, 'hooks.json'), '-ip', '127.0.0.1', '-port', String(port)], {
      stdio: 'ignore',
    });
    const webhook = new AdnanhWebhook(child, dir, `http://127.0.0.1:${port}/hooks/github`);
    try {
      await webhook.ready();
    } catch (error) {
      await webhook.stop();
      throw error;
    }
    return webhook;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((done) => this.child.once('exit', done));
      this.child.kill('SIGTERM');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Up once it answers; an unsigned request is refused (its trigger rule is not met). */
  private async ready(): Promise<void> {
    const deadline = performance.now() + 10_000;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`webhook exited with ${this.child.exitCode}`);
      const answered = await fetch(this.url, { method: 'POST', body: '{}' }).then(
        () => true,
        () => false,
      );
      if (answered) return;
      if (performance.now() > deadline) throw new Error('webhook did not listen within 10 s');
      await new Promise((done) => setTimeout(done, 20));
    }
  }
}

/** A loopback port nothing listens on now (webhook takes no port 0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
