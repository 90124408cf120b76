import { describe, expect, it } from '@jest/globals';
import { connectionsCheckingInterval, serverOptions } from './timed-express-adapter.js';

describe('the HTTP server options', () => {
  it.each([
    [20_000, 60_000, 1000],
    [2000, 4000, 500],
    [1000, 1000, 250],
    [100, 60_000, 50],
    [1, 1, 50],
  ])('headersTimeout %i ms, requestTimeout %i ms: timeouts checked every %i ms', (headers, request, interval) => {
    expect(connectionsCheckingInterval({ headersTimeoutMs: headers, requestTimeoutMs: request })).toBe(interval);
  });

  it('passes both timeouts to Node as they are', () => {
    expect(serverOptions({ headersTimeoutMs: 20_000, requestTimeoutMs: 60_000 })).toEqual({
      headersTimeout: 20_000,
      requestTimeout: 60_000,
      connectionsCheckingInterval: 1000,
    });
  });
});
