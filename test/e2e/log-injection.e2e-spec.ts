import { afterEach, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { pushPayload, signedDelivery } from '../fixtures/deliveries.js';
import { GitFixture } from '../fixtures/git-fixture.js';
import { ServiceProcess } from '../fixtures/service-process.js';

const SECRET = 'log-injection-secret-5e2a';
const TEST_TIMEOUT = 30_000;

/** A line of the pretty format, forged after a newline in the ref, with bytes a terminal obeys. */
const FORGED = '[2030-01-01 00:00:00.000] INFO: [Deploy] deployment 1 (manual): succeeded';
const REF = `refs/heads/feature\n${FORGED}\r\u0000\u001b[2J\u007f\u0085\u2028\u2029\u202eend`;

/** Every control character a log line may not carry raw; the newline that ends each line aside. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

describe('a signed payload with control characters in its ref', () => {
  let fixture: GitFixture | undefined;
  let service: ServiceProcess | undefined;

  afterEach(async () => {
    service?.stop();
    await fixture?.remove();
  });

  it.each(['pretty', 'json'])(
    'LOG_FORMAT=%s: logged as one line, with every control character escaped',
    async (format) => {
      fixture = await GitFixture.create();
      service = ServiceProcess.start(
        {
          GITHUB_SECRET: SECRET,
          REPO_PATH: fixture.deploy,
          DATA_DIR: join(fixture.root, 'data'),
          PORT: '0',
          HOST: '127.0.0.1',
          LOG_FORMAT: format,
        },
        fixture.root,
      );
      let stdout = '';
      service.child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const port = await service.port();

      const sha = await fixture.commitAndPush();
      const { headers, body } = signedDelivery(pushPayload({ ref: REF, after: sha }), {
        secret: SECRET,
        id: 'forged-ref-1',
      });
      const res = await fetch(`http://127.0.0.1:${port}/github`, { method: 'POST', headers, body });
      expect(res.status).toBe(200);
      await service.waitForLine(/forged-ref-1/);
      service.child.kill('SIGTERM');
      expect(await service.exitCode()).toBe(0);

      expect(stdout).not.toMatch(RAW_CONTROL);
      const lines = stdout.split('\n').filter(Boolean);
      const about = lines.filter((line) => line.includes('refs/heads/feature'));
      expect(about).toHaveLength(1);
      expect(lines.filter((line) => line.includes(FORGED))).toEqual(about);
      // Escaped as JSON would write them, also inside a JSON string (where the backslash doubles).
      const escapes = ['\\n', '\\r', '\\u0000', '\\u001b', '\\u007f', '\\u0085', '\\u2028', '\\u2029', '\\u202e'];
      const shown = format === 'json' ? (JSON.parse(about[0]!) as { msg: string }).msg : about[0]!;
      for (const escape of escapes) expect(shown).toContain(escape);
      if (format === 'json') for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    },
    TEST_TIMEOUT,
  );
});
