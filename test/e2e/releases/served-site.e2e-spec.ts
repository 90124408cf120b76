import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ReleaseService, WAIT_MS } from './release-service.js';

const DEPLOYS = 20;
const CHUNKS = 20;
const CHUNK = 50_000;

// A big page written slowly, its deployment id at both ends: a reader of a half-written
// page, or of two releases at once, sees it.
const BUILD =
  `{ echo "BEGIN $DEPLOY_ID"; i=0; while [ $i -lt ${CHUNKS} ]; do ` +
  `head -c ${CHUNK} /dev/zero | tr '\\0' x; i=$((i+1)); sleep 0.01; done; echo; echo "END $DEPLOY_ID"; } > page.txt`;

const pageLength = (id: string): number => `BEGIN ${id}\n`.length + CHUNKS * CHUNK + 1 + `END ${id}\n`.length;

/** A web server as an operator would point one at `current`: another process, resolving the link per request. */
function serve(root: string): Promise<{ url: string; child: ChildProcessByStdio<null, Readable, Readable> }> {
  const child = spawn('python3', ['-u', '-m', 'http.server', '--bind', '127.0.0.1', '--directory', root, '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout.on('data', (data: Buffer) => {
      seen += data.toString();
      const port = /port (\d+)/.exec(seen)?.[1];
      if (port) resolve({ url: `http://127.0.0.1:${port}`, child });
    });
    child.stderr.resume();
    child.on('exit', (code) => reject(new Error(`the web server exited (${code}): ${seen}`)));
  });
}

describe('release mode: the served site during deploys', () => {
  let site: ReleaseService;
  let server: Awaited<ReturnType<typeof serve>> | undefined;

  beforeAll(async () => {
    site = await ReleaseService.start({ build: BUILD, keep: 3 });
  }, 60_000);

  afterAll(async () => {
    server?.child.kill('SIGKILL');
    await site?.remove();
  });

  it(
    `every answer while ${DEPLOYS} deploys run is complete and from exactly one release`,
    async () => {
      expect((await site.deploy()).status).toBe('succeeded');
      server = await serve(join(site.path, 'current'));

      let deploying = true;
      const answers: string[] = [];
      const problems: string[] = [];
      const reader = (async () => {
        while (deploying && answers.length + problems.length < 10_000) {
          const response = await fetch(`${server!.url}/page.txt`);
          const page = await response.text();
          const id = /^BEGIN (\d+)\n/.exec(page)?.[1];
          if (response.status !== 200) problems.push(`answered ${response.status}`);
          else if (id === undefined) problems.push(`no BEGIN line: ${page.slice(0, 40)}`);
          else if (!page.endsWith(`\nEND ${id}\n`) || page.length !== pageLength(id)) {
            problems.push(
              `page of ${id} incomplete or mixed: ${page.length} bytes, ends ${JSON.stringify(page.slice(-20))}`,
            );
          } else answers.push(id);
        }
      })();

      const deployed = [];
      try {
        for (let i = 0; i < DEPLOYS; i += 1) deployed.push(await site.deploy());
      } finally {
        deploying = false;
        await reader;
      }

      expect(deployed.map((d) => d.status)).toEqual(Array(DEPLOYS).fill('succeeded'));
      expect(problems).toEqual([]);
      // The reader really saw the site change under it: many releases served, the last one at the end.
      expect(new Set(answers).size).toBeGreaterThan(DEPLOYS / 2);
      expect(answers.at(-1)).toBe(String(deployed.at(-1)!.id));
    },
    WAIT_MS * 6,
  );
});
