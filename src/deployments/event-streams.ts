import { Inject, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { httpError } from '../common/http-error.js';
import { Metrics } from '../observability/metrics.js';
import { EventStream } from './event-stream.js';

/**
 * Open event streams at once, over all clients. Each may hold up to MAX_BUFFERED_BYTES
 * (plus its catch-up) for a slow reader, and a stream on a queued deployment stays open
 * as long as its reader wants: without a bound, clients could pile them up.
 */
export const MAX_EVENT_STREAMS = 64;

/** Opens the event streams and keeps their count under MAX_EVENT_STREAMS. */
@Injectable()
export class EventStreams {
  private open = 0;

  constructor(@Inject(Metrics) private readonly metrics: Metrics) {
    metrics.gaugeAtScrape(
      'hookdeploy_event_streams_open',
      'Live log streams (GET /deployments/:id/events) open now.',
      () => this.open,
    );
  }

  /** A new stream on `res`; 503 (before anything is written) when too many are open. */
  start(res: Response, name: string): EventStream {
    if (this.open >= MAX_EVENT_STREAMS) {
      res.setHeader('Retry-After', '30');
      throw httpError(503, `too many open event streams (${MAX_EVENT_STREAMS}); try again later`);
    }
    this.open += 1;
    res.once('close', () => (this.open -= 1));
    return new EventStream(res, name, () => this.metrics.eventStreamFellBehind());
  }
}
