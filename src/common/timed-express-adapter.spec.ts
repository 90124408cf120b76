import { describe, expect, it } from '@jest/globals';
import {
  connectionCapWarning,
  connectionsCheckingInterval,
  FILES_BESIDES_CONNECTIONS,
  serverOptions,
} from './timed-express-adapter.js';

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

describe('connectionCapWarning', () => {
  it.each([
    [512, 1024],
    [1024 - FILES_BESIDES_CONNECTIONS, 1024],
    [100_000, undefined],
  ])('MAX_CONNECTIONS %i under an open-file limit of %s: no warning', (max, limit) => {
    expect(connectionCapWarning(max, limit)).toBeUndefined();
  });

  it('warns, with a value that fits, when the connections could use up the open-file limit', () => {
    expect(connectionCapWarning(1000, 1024)).toBe(
      'MAX_CONNECTIONS=1000 is too close to the open-file limit of 1024: with that many connections open, ' +
        'git and the deploy command cannot start. Lower MAX_CONNECTIONS to 960 or less, or raise the limit (LimitNOFILE=, ulimit -n)',
    );
    expect(connectionCapWarning(1 - FILES_BESIDES_CONNECTIONS + 1024, 1024)).toMatch(/^MAX_CONNECTIONS=961 /);
  });
});
