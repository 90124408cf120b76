import { Logger } from '@nestjs/common';
import type { Response } from 'express';

/** Comment lines keep idle proxies from closing a stream that waits for a queued deploy. */
const HEARTBEAT_MS = 15_000;

/**
 * What one stream may have written that its reader has not taken yet (beyond what the
 * kernel's socket buffers hold). A reader further behind is closed: a deploy printing
 * hundreds of MB must not be held in memory for a suspended laptop. It can reconnect and
 * get the log so far, then the rest live.
 */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

/** A Server-Sent Events response: named events, multi-line data, a heartbeat, a bounded buffer. */
export class EventStream {
  private static readonly logger = new Logger('Dashboard');
  private readonly heartbeat: NodeJS.Timeout;
  private ended = false;
  /** The catch-up may be larger than the cap by itself; it counts only until it drained. */
  private allowance = 0;

  /** `name` says whose stream it is in the log line of a reader that fell behind. */
  constructor(
    private readonly res: Response,
    private readonly name: string,
    private readonly onFellBehind: () => void = () => undefined,
  ) {
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      // nginx buffers responses by default, which would hold the log back.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    this.heartbeat = setInterval(() => this.write(': keep-alive\n\n'), HEARTBEAT_MS);
    res.on('close', () => this.stop());
  }

  /** Each line of `data` becomes a `data:` line; the client joins them with \n again. */
  send(event: string, data: string): void {
    this.write(format(event, data));
  }

  /** The first event: what happened before the reader came, allowed on top of the cap. */
  sendCatchUp(event: string, data: string): void {
    if (this.ended) return;
    this.res.write(format(event, data));
    this.allowance = this.res.writableLength;
    if (this.allowance > 0) this.res.once('drain', () => (this.allowance = 0));
  }

  end(): void {
    this.stop();
    this.res.end();
  }

  onClose(listener: () => void): void {
    this.res.on('close', listener);
  }

  private write(text: string): void {
    if (this.ended) return;
    this.res.write(text);
    if (this.res.writableLength > this.allowance + MAX_BUFFERED_BYTES) this.fellBehind();
  }

  /** Destroying the response frees what it buffered and emits 'close', which unsubscribes. */
  private fellBehind(): void {
    this.stop();
    this.res.destroy();
    this.onFellBehind();
    EventStream.logger.warn(
      `event stream of ${this.name} closed: its reader fell behind by more than ${MAX_BUFFERED_BYTES} bytes (it can reconnect)`,
    );
  }

  private stop(): void {
    this.ended = true;
    clearInterval(this.heartbeat);
  }
}

function format(event: string, data: string): string {
  const lines = data.split(/\r\n|\r|\n/).map((line) => `data: ${line}\n`);
  return `event: ${event}\n${lines.join('')}\n`;
}
