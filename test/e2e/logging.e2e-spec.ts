import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { sign } from '../../src/webhook/verify-signature.js';
import { pushPayload, signedDelivery } from '../fixtures/deliveries.js';
import { GitFixture } from '../fixtures/git-fixture.js';
import { ServiceProcess } from '../fixtures/service-process.js';
import { waitFor } from '../fixtures/wait.js';

const SECRET = 'logging-test-secret-7d1c';
const ADMIN_TOKEN = 'logging-test-admin-token-4b9e02';
const TEST_TIMEOUT = 30_000;

interface JsonLine {
  level: number;
  time: number;
  msg: string;
  context?: string;
  delivery?: string;
  deliveries?: string[];
  [field: string]: unknown;
}

/** What the process wrote on stdout only (ServiceProcess mixes in stderr). */
function stdoutOf(service: ServiceProcess): () => string[] {
  let text = '';
  service.child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return () => text.split('\n').filter(Boolean);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

describe('log output of the service process', () => {
  let fixture: GitFixture;
  let service: ServiceProcess | undefined;

  afterEach(async () => {
    service?.stop();
    service = undefined;
    await fixture?.remove();
  });

  const start = async (env: Record<string, string>): Promise<{ service: ServiceProcess; stdout: () => string[] }> => {
    fixture = await GitFixture.create();
    service = ServiceProcess.start(
      {
        GITHUB_SECRET: SECRET,
        ADMIN_TOKEN,
        REPO_PATH: fixture.deploy,
        DATA_DIR: join(fixture.root, 'data'),
        PORT: '0',
        HOST: '127.0.0.1',
        ...env,
      },
      fixture.root,
    );
    return { service, stdout: stdoutOf(service) };
  };

  /** A good push (its signature returned, to look for it later), then `bad` wrongly signed copies. */
  async function deliverGoodAndBad(port: number, id: string, bad: number): Promise<string[]> {
    const sha = await fixture.commitAndPush();
    const good = signedDelivery(pushPayload({ after: sha }), { secret: SECRET, id });
    const url = `http://127.0.0.1:${port}/github`;
    expect((await fetch(url, { method: 'POST', headers: good.headers, body: good.body })).status).toBe(202);
    const signatures = [good.headers['x-hub-signature-256']!];
    for (let i = 0; i < bad; i += 1) {
      // Signed with the right secret over other bytes: a real HMAC that must not leak either.
      const signature = sign(SECRET, `${good.body} ${i}`);
      signatures.push(signature);
      const headers = { ...good.headers, 'x-hub-signature-256': signature, 'x-github-delivery': `bad-${i}` };
      expect((await fetch(url, { method: 'POST', headers, body: good.body })).status).toBe(401);
    }
    // The API with the right and a wrong token: neither is logged.
    const api = `http://127.0.0.1:${port}/deployments`;
    expect((await fetch(api, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200);
    expect((await fetch(api, { headers: { authorization: 'Bearer not-the-token' } })).status).toBe(401);
    return signatures;
  }

  it(
    'LOG_FORMAT=json: every stdout line is a JSON object; the lines about a delivery carry its id; no secret, token or signature',
    async () => {
      const { service, stdout } = await start({ LOG_FORMAT: 'json' });
      const port = await service.port();
      const signatures = await deliverGoodAndBad(port, 'json-delivery-1', 20);
      await service.waitForLine(/succeeded\. Repository updated with commit [0-9a-f]{7}/);
      service.child.kill('SIGTERM');
      expect(await service.exitCode()).toBe(0);

      const lines = stdout().map((text) => JSON.parse(text) as JsonLine);
      expect(lines.length).toBeGreaterThan(5);
      for (const line of lines) {
        expect(line).toEqual(
          expect.objectContaining({ level: expect.any(Number), time: expect.any(Number), msg: expect.any(String) }),
        );
      }

      // Accepted → running → succeeded, each with the delivery's id as a field.
      const about = lines.filter(
        (line) => line.delivery === 'json-delivery-1' || line.deliveries?.includes('json-delivery-1'),
      );
      expect(about.map((line) => line.msg)).toEqual([
        'delivery json-delivery-1: queued as deployment 1',
        expect.stringMatching(/^deployment 1 \(deliveries json-delivery-1\): running, rebase to [0-9a-f]{7}$/),
        expect.stringMatching(
          /^deployment 1 \(deliveries json-delivery-1\): succeeded\. Repository updated with commit [0-9a-f]{7}$/,
        ),
      ]);
      expect(about[0]).toMatchObject({ level: 30, context: 'Deploy', delivery: 'json-delivery-1', deployment: 1 });
      expect(about[2]).toMatchObject({ context: 'Deploy', deployment: 1, deliveries: ['json-delivery-1'] });

      // 20 refusals: the first at once, the other 19 in one summary (written at shutdown here).
      const refusals = lines.filter((line) => line.context === 'Webhook' && /refused/.test(line.msg));
      expect(refusals).toEqual([
        expect.objectContaining({
          level: 40,
          delivery: 'bad-0',
          msg: expect.stringMatching(/^delivery bad-0: refused, /),
        }),
        expect.objectContaining({
          level: 40,
          refused: 19,
          delivery: 'bad-19',
          msg: expect.stringMatching(/^19 more deliveries refused for bad signatures in the last 10 s/),
        }),
      ]);

      const output = service.text();
      for (const secret of [SECRET, ADMIN_TOKEN, 'not-the-token', ...signatures]) expect(output).not.toContain(secret);
      for (const signature of signatures) expect(output).not.toContain(signature.slice('sha256='.length, 30));
    },
    TEST_TIMEOUT,
  );

  it(
    'LOG_FORMAT=pretty: one readable line per message, not JSON, the same texts; no secret, token or signature',
    async () => {
      const { service, stdout } = await start({ LOG_FORMAT: 'pretty' });
      const port = await service.port();
      const signatures = await deliverGoodAndBad(port, 'pretty-delivery-1', 3);
      await service.waitForLine(/succeeded\. Repository updated with commit [0-9a-f]{7}/);
      service.child.kill('SIGTERM');
      expect(await service.exitCode()).toBe(0);

      const lines = stdout();
      for (const line of lines) {
        expect(line).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL): /);
        expect(() => JSON.parse(line)).toThrow();
      }
      const text = lines.join('\n');
      expect(text).toMatch(/INFO: \[hookdeploy\] listening on http:\/\/127\.0\.0\.1:\d+\/github/);
      expect(text).toContain('INFO: [Deploy] delivery pretty-delivery-1: queued as deployment 1');
      expect(text).toMatch(
        /INFO: \[Deploy\] deployment 1 \(deliveries pretty-delivery-1\): succeeded\. Repository updated with commit [0-9a-f]{7}/,
      );
      expect(text).toMatch(/WARN: \[Webhook\] delivery bad-0: refused, X-Hub-Signature-256 does not match the body/);
      expect(text).toMatch(/WARN: \[Webhook\] 2 more deliveries refused for bad signatures/);
      const output = service.text();
      for (const secret of [SECRET, ADMIN_TOKEN, 'not-the-token', ...signatures]) expect(output).not.toContain(secret);
    },
    TEST_TIMEOUT,
  );

  it(
    'NODE_ENV=production without LOG_FORMAT logs JSON',
    async () => {
      const { service, stdout } = await start({ NODE_ENV: 'production' });
      await service.port();
      service.child.kill('SIGTERM');
      expect(await service.exitCode()).toBe(0);
      expect(stdout().length).toBeGreaterThan(0);
      for (const line of stdout()) expect(JSON.parse(line)).toHaveProperty('msg');
    },
    TEST_TIMEOUT,
  );

  it(
    'LOG_LEVEL=warn: nothing below warn, not even the "listening on" line; a refused delivery still shows',
    async () => {
      const port = await freePort();
      const { service, stdout } = await start({ LOG_FORMAT: 'json', LOG_LEVEL: 'warn', PORT: String(port) });
      const url = `http://127.0.0.1:${port}`;
      await waitFor(
        'the service answers',
        () =>
          fetch(`${url}/health`).then(
            (res) => res.ok,
            () => false,
          ),
        15_000,
      );
      const res = await fetch(`${url}/github`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-delivery': 'quiet-1',
          'x-hub-signature-256': 'sha256=00',
        },
        body: '{}',
      });
      expect(res.status).toBe(401);
      await service.waitForLine(/quiet-1/);
      service.child.kill('SIGTERM');
      expect(await service.exitCode()).toBe(0);
      const lines = stdout().map((text) => JSON.parse(text) as JsonLine);
      expect(lines).toEqual([expect.objectContaining({ level: 40, delivery: 'quiet-1' })]);
    },
    TEST_TIMEOUT,
  );

  it.each([
    [{ LOG_FORMAT: 'xml' }, 'LOG_FORMAT must be one of json, pretty (got "xml")'],
    [
      { LOG_LEVEL: 'verbose' },
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")',
    ],
  ])(
    'a bad %j stops the boot with one line and exit code 1',
    async (env: Record<string, string>, problem) => {
      const { service } = await start(env);
      expect(await service.exitCode()).toBe(1);
      expect(service.output).toEqual([`hookdeploy: invalid configuration: ${problem}`]);
    },
    TEST_TIMEOUT,
  );
});
