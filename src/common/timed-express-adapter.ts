import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { createServer, type Server, type ServerOptions } from 'node:http';

export interface ServerTimeouts {
  /** How long a client may take to send its request headers. */
  headersTimeoutMs: number;
  /** How long a client may take to send its whole request, body included. */
  requestTimeoutMs: number;
}

/**
 * Node enforces headersTimeout and requestTimeout only when a timer sweeps the open
 * connections, every `connectionsCheckingInterval` (30 s by default): a slow client could
 * outlive its timeout by that much. A quarter of the shorter timeout, between 50 ms and 1 s,
 * keeps the overshoot small for a sweep that costs next to nothing.
 */
export function connectionsCheckingInterval(timeouts: ServerTimeouts): number {
  const shorter = Math.min(timeouts.headersTimeoutMs, timeouts.requestTimeoutMs);
  return Math.min(1000, Math.max(50, Math.ceil(shorter / 4)));
}

export function serverOptions(timeouts: ServerTimeouts): ServerOptions {
  return {
    headersTimeout: timeouts.headersTimeoutMs,
    requestTimeout: timeouts.requestTimeoutMs,
    connectionsCheckingInterval: connectionsCheckingInterval(timeouts),
  };
}

/**
 * Nest's ExpressAdapter, whose HTTP server is created with hookdeploy's timeouts. Nest's
 * own `http.createServer(app)` takes no options, and `connectionsCheckingInterval` is only
 * read from them: setting `server.headersTimeout` afterwards would still be enforced at
 * Node's 30-second pace. A client too slow gets `408 Request Timeout` and the connection
 * closed (Node's own answer; nothing of the request reaches the application after that).
 *
 * Only what hookdeploy uses of Nest's options is supported: plain HTTP, and
 * `forceCloseConnections`, done with Node's `closeAllConnections()`.
 */
export class TimedExpressAdapter extends ExpressAdapter {
  private forceCloseConnections = false;

  constructor(private readonly timeouts: ServerTimeouts) {
    super();
  }

  override initHttpServer(options: NestApplicationOptions): void {
    if (options.httpsOptions || options.return503OnClosing) {
      throw new Error('TimedExpressAdapter serves plain HTTP without return503OnClosing');
    }
    this.forceCloseConnections = options.forceCloseConnections === true;
    const server = createServer(serverOptions(this.timeouts), this.getInstance());
    // A client may send its request and then close its side (shutdown(SHUT_WR), as netcat
    // and some HTTP/1.0 clients do). Node's default ends the connection at once, losing an
    // answer that waits for anything, here the fsync that makes a 202 true: the delivery
    // would be recorded and deployed, and its sender never told. With this (long-standing,
    // if undocumented) switch, Node sends the answer and then closes.
    (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
    this.setHttpServer(server);
  }

  override close(): Promise<unknown> | undefined {
    // Stops listening (and closes the idle keep-alive connections) first, then ends the
    // requests still under way: a half-sent request must not hold the shutdown.
    const closed = super.close();
    if (this.forceCloseConnections) (this.getHttpServer() as Server | undefined)?.closeAllConnections();
    return closed;
  }
}
