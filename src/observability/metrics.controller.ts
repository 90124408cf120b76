import { Controller, Get, Header, Inject } from '@nestjs/common';
import { Metrics } from './metrics.js';

/**
 * Prometheus' text format, without a token like most exporters: the README says how to
 * keep it off the public interface. It tells counts and timings, never an id or a secret.
 */
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(Metrics) private readonly metrics: Metrics) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
