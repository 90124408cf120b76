import type { Response } from 'express';

/** Comment lines keep idle proxies from closing a stream that waits for a queued deploy. */
const HEARTBEAT_MS = 15_000;

/** A Server-Sent Events response: named events, multi-line data, a heartbeat. */
export class EventStream {
  private readonly heartbeat: NodeJS.Timeout;
  private ended = false;

  constructor(private readonly res: Response) {
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
    const lines = data.split(/\r\n|\r|\n/).map((line) => `data: ${line}\n`);
    this.write(`event: ${event}\n${lines.join('')}\n`);
  }

  end(): void {
    this.stop();
    this.res.end();
  }

  onClose(listener: () => void): void {
    this.res.on('close', listener);
  }

  private write(text: string): void {
    if (!this.ended) this.res.write(text);
  }

  private stop(): void {
    this.ended = true;
    clearInterval(this.heartbeat);
  }
}
