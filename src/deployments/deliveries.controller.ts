import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import { AdminGuard } from '../auth/admin.guard.js';
import { DELIVERY_OUTCOMES, type StoredDelivery } from '../domain/delivery-record.js';
import { DeliveriesStore } from '../storage/deliveries.store.js';
import { oneOf, parsePage, parseTarget } from './query-params.js';

/**
 * The journal of signed deliveries and what hookdeploy answered: where an operator sees
 * why a push did not deploy ("ignored: push to refs/heads/feature, deploying ...").
 */
@Controller('deliveries')
@UseGuards(AdminGuard)
export class DeliveriesController {
  constructor(@Inject(DeliveriesStore) private readonly deliveries: DeliveriesStore) {}

  /** Newest first; `?target=&outcome=&limit=&before=<seq>`. */
  @Get()
  list(@Query() query: Record<string, unknown>): StoredDelivery[] {
    const target = parseTarget(query);
    const outcome = oneOf(query, 'outcome', DELIVERY_OUTCOMES);
    return this.deliveries.list({
      ...(target === undefined ? {} : { target }),
      ...(outcome === undefined ? {} : { outcome }),
      ...parsePage(query, 'a seq'),
    });
  }
}
