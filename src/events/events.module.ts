import { Global, Module } from '@nestjs/common';
import { DeploymentEvents } from './deployment-events.js';

/**
 * The bus of deployment changes: the stores announce committed status changes on it, the
 * runner the output, and the event streams and the metrics listen. Its own module so that
 * none of them has to import another to reach it.
 */
@Global()
@Module({
  providers: [DeploymentEvents],
  exports: [DeploymentEvents],
})
export class EventsModule {}
