import { Module } from '@nestjs/common';
import { FleetRollouts } from './fleet-rollout.js';
import { HostQueues } from './host-queues.js';

/** The hub's side of a fleet: the per-host queues in Redis and the rollouts that use them. */
@Module({
  providers: [HostQueues, FleetRollouts],
  exports: [FleetRollouts],
})
export class FleetModule {}
