import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import { AdminGuard } from '../auth/admin.guard.js';
import { DELIVERY_OUTCOMES, type StoredDelivery } from '../deploy/delivery-record.js';
import { DeploymentStore } from '../deploy/deployment.store.js';
import { oneOf, parsePage } from './query-params.js';

/**
 * The journal of signed deliveries and what hookdeploy answered: where an operator sees
 * why a push did not deploy ("ignored: push to refs/heads/feature, deploying ...").
 */
@Controller('deliveries')
@UseGuards(AdminGuard)
export class DeliveriesController {
  constructor(@Inject(DeploymentStore) private readonly store: DeploymentStore) {}

  /** Newest first; `?outcome=&limit=&before=<seq>`. */
  @Get()
  list(@Query() query: Record<string, unknown>): StoredDelivery[] {
    const outcome = oneOf(query, 'outcome', DELIVERY_OUTCOMES);
    return this.store.listDeliveries({ ...(outcome === undefined ? {} : { outcome }), ...parsePage(query, 'a seq') });
  }
}
