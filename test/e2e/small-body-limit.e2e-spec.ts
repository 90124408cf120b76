import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { TEST_ADMIN_TOKEN, TestApp } from '../fixtures/test-app.js';

/**
 * Sends a chunked body that never ends to `path` and resolves with what the server said
 * and whether it closed the connection (rather than reading the rest until REQUEST_TIMEOUT).
 */
function endlessChunkedPost(port: number, path: string): Promise<{ head: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let head = '';
    const chunk = `${(1024).toString(16)}\r\n${'x'.repeat(1024)}\r\n`;
    const writer = setInterval(() => socket.writable && socket.write(chunk), 5);
    const done = (closed: boolean): void => {
      clearInterval(writer);
      clearTimeout(timer);
      socket.destroy();
      resolve({ head, closed });
    };
    const timer = setTimeout(() => done(false), 5_000);
    socket.on('data', (data) => (head += data.toString()));
    socket.on('close', () => done(true));
    socket.on('error', () => undefined);
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TEST_ADMIN_TOKEN}\r\n` +
        'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
    );
  });
}

describe('the small bodies of the API and the sign-in', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t.close());

  it.each(['/deployments', '/session'])(
    'POST %s with an endless chunked body: 413, then the connection is closed, not read to the end',
    async (path) => {
      const { port } = t.server.address() as AddressInfo;
      const { head, closed } = await endlessChunkedPost(port, path);
      expect(head).toMatch(/^HTTP\/1\.1 413 /);
      expect(closed).toBe(true);
    },
    15_000,
  );
});
