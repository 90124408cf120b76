import { Controller, Get, Inject, Param, UseGuards } from '@nestjs/common';
import { httpError } from '../common/http-error.js';
import type { Deployment } from '../deploy/deployment.js';
import { DeploymentStore } from '../deploy/deployment.store.js';
import { AdminTokenGuard } from './admin-token.guard.js';

@Controller('deployments')
@UseGuards(AdminTokenGuard)
export class DeploymentsController {
  constructor(@Inject(DeploymentStore) private readonly store: DeploymentStore) {}

  /** Newest first. */
  @Get()
  list(): Deployment[] {
    return this.store.list();
  }

  @Get(':id')
  get(@Param('id') rawId: string): Deployment {
    if (!/^[1-9]\d{0,15}$/.test(rawId)) throw httpError(400, 'deployment id must be a positive integer');
    const deployment = this.store.get(Number(rawId));
    if (!deployment) throw httpError(404, `deployment ${rawId} not found`);
    return deployment;
  }
}
