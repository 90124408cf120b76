import { Logger, type NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { createServer, type Server, type ServerOptions } from 'node:http';
import { openFileLimit } from '../process/open-file-limit.js';
import { DroppedConnections } from './dropped-connections.js';

export interface ServerTimeouts {
  /** How long a client may take to send its request headers. */
  headersTimeoutMs: number;
  /** How long a client may take to send its whole request, body included. */
  requestTimeoutMs: number;
}

export interface ServerLimits extends ServerTimeouts {
  /** Open connections at most, idle keep-alive ones and event streams included. */
  maxConnections: number;
}

/**
 * Files hookdeploy holds besides its connections: the database and its WAL, the data
 * directory's lock, stdio, libuv's own, and a few pipes per running git or deploy command.
 */
export const FILES_BESIDES_CONNECTIONS = 64;

/**
 * The warning to log when MAX_CONNECTIONS leaves too few of the open-file limit for the
 * rest: idle connections up to the cap would then make git and the deploy command fail
 * to start (EMFILE). Undefined when the limit is unknown or large enough.
 */
export function connectionCapWarning(maxConnections: number, fileLimit: number | undefined): string | undefined {
  if (fileLimit === undefined || maxConnections + FILES_BESIDES_CONNECTIONS <= fileLimit) return undefined;
  return (
    `MAX_CONNECTIONS=${maxConnections} is too close to the open-file limit of ${fileLimit}: ` +
    `with that many connections open, git and the deploy command cannot start. ` +
    `Lower MAX_CONNECTIONS to ${Math.max(1, fileLimit - FILES_BESIDES_CONNECTIONS)} or less, or raise the limit (LimitNOFILE=, ulimit -n)`
  );
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
 * Nest's ExpressAdapter, whose HTTP server is created with hookdeploy's timeouts and
 * connection cap (MAX_CONNECTIONS). Nest's own `http.createServer(app)` takes no options,
 * and `connectionsCheckingInterval` is only
 * read from them: setting `server.headersTimeout` afterwards would still be enforced at
 * Node's 30-second pace. A client too slow gets `408 Request Timeout` and the connection
 * closed (Node's own answer; nothing of the request reaches the application after that).
 *
 * Only what hookdeploy uses of Nest's options is supported: plain HTTP, and
 * `forceCloseConnections`, done with Node's `closeAllConnections()`.
 */
export class TimedExpressAdapter extends ExpressAdapter {
  private forceCloseConnections = false;

  private readonly httpLogger = new Logger('Http');

  constructor(private readonly limits: ServerLimits) {
    super();
  }

  override initHttpServer(options: NestApplicationOptions): void {
    if (options.httpsOptions || options.return503OnClosing) {
      throw new Error('TimedExpressAdapter serves plain HTTP without return503OnClosing');
    }
    this.forceCloseConnections = options.forceCloseConnections === true;
    const server = createServer(serverOptions(this.limits), this.getInstance());
    // Every connection is an open file: a flood of idle ones must leave enough of the
    // limit for git's pipes. Node closes a connection beyond the cap as soon as it is
    // accepted, before reading anything (the client sees its connection closed or reset).
    server.maxConnections = this.limits.maxConnections;
    server.on('drop', new DroppedConnections(this.httpLogger, this.limits.maxConnections).dropped);
    const warning = connectionCapWarning(this.limits.maxConnections, openFileLimit());
    if (warning !== undefined) this.httpLogger.warn(warning);
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
