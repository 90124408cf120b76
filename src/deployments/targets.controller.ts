import { fleetTreeStatus } from '../fleet/fleet-tree-status.js';
import { Controller, Get, Inject, UseGuards } from '@nestjs/common';
import { AdminGuard } from '../auth/admin.guard.js';
import type { DeploymentSummary } from '../domain/deployment.js';
import type { ForgeName } from '../domain/forge-name.js';
import type { PullStrategy } from '../domain/pull-strategy.js';
import { GitServices } from '../git/git-services.js';
import { DeploymentsStore } from '../storage/deployments.store.js';
import { TargetRegistry } from '../targets/target-registry.js';
import { workTreeStatus } from '../targets/work-tree-status.js';

export interface TargetView {
  id: string;
  forge: ForgeName;
  branch: string;
  repository: string | null;
  repoPath: string;
  strategy: PullStrategy;
  status: 'ok' | 'error';
  head: string | null;
  error?: string;
  lastDeployment?: DeploymentSummary;
}

/** `GET /targets` (admin): every configured target with its work tree's state and last deployment. */
@Controller('targets')
@UseGuards(AdminGuard)
export class TargetsController {
  constructor(
    @Inject(TargetRegistry) private readonly registry: TargetRegistry,
    @Inject(GitServices) private readonly gits: GitServices,
    @Inject(DeploymentsStore) private readonly deployments: DeploymentsStore,
  ) {}

  @Get()
  list(): Promise<TargetView[]> {
    return Promise.all(
      this.registry.all().map(async (target): Promise<TargetView> => {
        // A fleet target has no work tree on the hub: its agents have them.
        const tree = target.fleet ? fleetTreeStatus(target) : await workTreeStatus(this.gits.for(target.repoPath));
        const [lastDeployment] = this.deployments.list({ target: target.id, limit: 1 });
        return {
          id: target.id,
          forge: target.forge,
          branch: target.branch,
          repository: target.repository ?? null,
          repoPath: target.repoPath,
          strategy: target.strategy,
          status: tree.status,
          head: tree.head,
          ...(tree.status === 'error' ? { error: tree.error } : {}),
          ...(lastDeployment ? { lastDeployment } : {}),
        };
      }),
    );
  }
}
