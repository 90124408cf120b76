import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect } from 'node:net';
import { pushPayload, signedDelivery } from '../fixtures/deliveries.js';
import { GitFixture } from '../fixtures/git-fixture.js';
import { LIVE_SECRET, LiveService } from '../fixtures/live-service.js';

/** Writes `text` on a fresh connection; resolves with everything read until the server closes. */
function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(text));
    let answer = '';
    const hang = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within 5 s; got ${JSON.stringify(answer)}`));
    }, 5000);
    socket.on('data', (data) => (answer += data.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(hang);
      resolve(answer);
    });
  });
}

/** The status codes of every response in `answer`, in order (pipelined requests, 100 Continue). */
function statuses(answer: string): number[] {
  return [...answer.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1]));
}

/**
 * HTTP the fuzz test's client cannot send: duplicated headers, framing conflicts, odd request
 * targets and methods, pipelining. Each is answered below 500 (or refused by Node's parser
 * with its bare 400), none stops the process, and a second signature cannot sneak in.
 */
describe('raw HTTP oddities on the webhook', () => {
  let fixture: GitFixture;
  let live: LiveService;
  let sha: string;

  beforeAll(async () => {
    fixture = await GitFixture.create();
    live = await LiveService.start(fixture);
    sha = await fixture.commitAndPush();
  });

  afterAll(async () => {
    await live?.stop();
    await fixture?.remove();
  });

  /** A signed push's request head (without the request line and framing headers) and body. */
  const delivery = (id?: string): { head: string[]; body: string } => {
    const { headers, body } = signedDelivery(pushPayload({ after: sha }), {
      secret: LIVE_SECRET,
      ...(id ? { id } : {}),
    });
    if (!id) delete headers['x-github-delivery'];
    return { head: ['host: 127.0.0.1', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)], body };
  };
  const request = (line: string, head: string[], body = ''): string => `${line}\r\n${head.join('\r\n')}\r\n\r\n${body}`;
  const sized = (body: string): string => `content-length: ${Buffer.byteLength(body)}`;
  const chunk = (body: string, extension = ''): string =>
    `${Buffer.byteLength(body).toString(16)}${extension}\r\n${body}\r\n0\r\n\r\n`;

  // The expected statuses; a fourth element is an equally right alternative (a race in Node).
  const cases: [string, () => string, number[], number[]?][] = [
    [
      'a second X-Hub-Signature-256 next to the right one',
      () => {
        const { head, body } = delivery('dup-signature');
        return request(
          'POST /github HTTP/1.1',
          [...head, `x-hub-signature-256: sha256=${'0'.repeat(64)}`, sized(body)],
          body,
        );
      },
      [401],
    ],
    [
      'a second X-GitHub-Event',
      () => {
        const { head, body } = delivery('dup-event');
        return request('POST /github HTTP/1.1', [...head, 'x-github-event: ping', sized(body)], body);
      },
      [200],
    ],
    [
      'Transfer-Encoding and Content-Length together (request smuggling)',
      () => {
        const { head, body } = delivery('smuggled');
        return request('POST /github HTTP/1.1', [...head, 'transfer-encoding: chunked', sized(body)], chunk(body));
      },
      [400],
    ],
    [
      'a chunked body with chunk extensions and a trailer',
      () => {
        const { head, body } = delivery('chunk-extension');
        return request('POST /github HTTP/1.1', [...head, 'transfer-encoding: chunked'], chunk(body, ';ext=1'));
      },
      [202],
    ],
    [
      'a Content-Length shorter than the body (the rest is garbage as a next request)',
      () => {
        const { head, body } = delivery();
        return request('POST /github HTTP/1.1', [...head, `content-length: ${Buffer.byteLength(body) - 10}`], body);
      },
      // Node's parser refuses the garbage at once; the 401 for the cut body comes first only if it is quicker.
      [400],
      [401, 400],
    ],
    [
      'a negative Content-Length',
      () => request('POST /github HTTP/1.1', [...delivery().head, 'content-length: -1'], '{}'),
      [400],
    ],
    [
      'a Content-Length of 20 digits',
      () => request('POST /github HTTP/1.1', [...delivery().head, 'content-length: 99999999999999999999'], '{}'),
      [400],
    ],
    [
      'Expect: 100-continue',
      () => {
        const { head, body } = delivery('expect-continue');
        return request('POST /github HTTP/1.1', [...head, 'expect: 100-continue', sized(body)], body);
      },
      [100, 202],
    ],
    [
      'an unknown Expect',
      () => {
        const { head, body } = delivery();
        return request('POST /github HTTP/1.1', [...head, 'expect: 200-ok', sized(body)], body);
      },
      [417],
    ],
    [
      'HTTP/1.0',
      () => {
        const { head, body } = delivery('http-1.0');
        return request('POST /github HTTP/1.0', [...head, sized(body)], body);
      },
      [202],
    ],
    [
      'an absolute-form request target',
      () => {
        const { head, body } = delivery('absolute-form');
        return request('POST http://example.test/github HTTP/1.1', [...head, sized(body)], body);
      },
      [202],
    ],
    [
      'two pipelined deliveries',
      () => {
        const first = delivery('pipelined-1');
        const second = delivery('pipelined-2');
        return (
          request('POST /github HTTP/1.1', [...first.head, sized(first.body)], first.body) +
          request('POST /github HTTP/1.1', [...second.head, sized(second.body)], second.body)
        );
      },
      [202, 202],
    ],
    ['PUT', () => request('PUT /github HTTP/1.1', [...delivery().head, 'content-length: 2'], '{}'), [404]],
    ['OPTIONS', () => request('OPTIONS /github HTTP/1.1', ['host: x']), [404]],
    [
      'a lower-case method',
      () => request('post /github HTTP/1.1', [...delivery().head, 'content-length: 2'], '{}'),
      [400],
    ],
    [
      'a dot-dot path',
      () => request('POST /x/../github HTTP/1.1', [...delivery().head, 'content-length: 2'], '{}'),
      [404],
    ],
    [
      'a malformed percent-encoding',
      () => request('POST /github%ZZ HTTP/1.1', ['host: x', 'content-length: 0']),
      [404],
    ],
    ['a header line without a colon', () => request('POST /github HTTP/1.1', ['host: x', 'no colon here']), [400]],
    ['a NUL byte in a header', () => request('POST /github HTTP/1.1', ['host: x', 'x-github-event: pu\0sh']), [400]],
    ['headers over 16 KiB', () => request('POST /github HTTP/1.1', ['host: x', `x-big: ${'a'.repeat(17_000)}`]), [431]],
    ['not HTTP at all', () => '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 TLS hello\r\n\r\n', [400]],
  ];

  it.each(cases.map(([name, text, ...expected]) => [name, text, expected] as const))(
    '%s',
    async (_name, text, expected) => {
      const answer = await exchange(live.port, text());
      expect(expected).toContainEqual(statuses(answer));
      expect(live.alive).toBe(true);
      expect((await live.health()).status).toBe(200);
    },
  );

  it('afterwards: the process is alive, logged no unhandled error, and deployed only what was accepted', async () => {
    const deployments = await live.settled(1);
    expect(deployments.every((d) => d.status === 'succeeded')).toBe(true);
    expect(await fixture.deployHead()).toBe(sha);
    const journal = await live.deliveries();
    expect(journal.map((r) => r.id)).not.toContain('dup-signature');
    expect(journal.map((r) => r.id)).not.toContain('smuggled');
    expect(live.service.text()).not.toMatch(/unhandled|ExceptionsHandler|internal error/i);
  });
});
