import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { waitHealthy } from './health-check.js';

describe('waitHealthy', () => {
  let server: Server;
  let answers: Array<number | 'hang'>;
  let url: string;
  let authorization: string | undefined;

  beforeEach(async () => {
    answers = [];
    server = createServer((request, response) => {
      authorization = request.headers.authorization;
      const answer = answers.shift() ?? 200;
      if (answer !== 'hang') response.writeHead(answer).end('x'.repeat(1000));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const address = server.address();
    url = `http://user:pw@127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/health?token=t`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  });

  it('asks again until a 2xx comes; credentials in the URL become Basic authentication', async () => {
    answers = [503, 500];
    const result = await waitHealthy(url, 10_000, new AbortController().signal);
    expect(result).toEqual({ healthy: true, detail: expect.stringMatching(/answered 200$/) });
    expect(authorization).toBe(`Basic ${Buffer.from('user:pw').toString('base64')}`);
  });

  it('gives up after its timeout, also when the server never answers, and logs no credentials', async () => {
    answers = Array(100).fill('hang');
    const started = Date.now();
    const result = await waitHealthy(url, 1_000, new AbortController().signal);
    expect(result.healthy).toBe(false);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.detail).toMatch(/^no 2xx from http:\/\/127\.0\.0\.1:\d+\/health within 1s/);
    expect(result.detail).not.toMatch(/pw|token/);
  });
});
