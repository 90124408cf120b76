import { fleetTreeStatus } from '../fleet/fleet-tree-status.js';
import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { GitServices } from '../git/git-services.js';
import { DeploymentHostsStore } from '../storage/deployment-hosts.store.js';
import { TargetRegistry } from '../targets/target-registry.js';
import { workTreeStatus } from '../targets/work-tree-status.js';

/**
 * Liveness of what matters: every target's work tree readable. No secrets, no paths, no
 * auth. 503 (same shape) when any target's work tree is unusable. Env-only mode keeps
 * its one target's `branch` and `head` at the top level too, as before targets.
 */
@Controller('health')
export class HealthController {
  constructor(
    @Inject(TargetRegistry) private readonly registry: TargetRegistry,
    @Inject(GitServices) private readonly gits: GitServices,
    @Inject(DeploymentHostsStore) private readonly hosts: DeploymentHostsStore,
  ) {}

  @Get()
  async check(@Res({ passthrough: true }) res: Response): Promise<object> {
    const targets = await Promise.all(
      this.registry.all().map(async (target) => {
        // A fleet target has no work tree on the hub: its agents have them (head null, hosts).
        if (target.fleet) {
          const { status, branch, head, hosts } = fleetTreeStatus(target, this.hosts);
          return { id: target.id, status, branch, head, hosts };
        }
        const tree = await workTreeStatus(this.gits.for(target.repoPath));
        return { id: target.id, status: tree.status, branch: tree.branch, head: tree.head };
      }),
    );
    const broken = targets.filter((target) => target.status !== 'ok');
    if (broken.length > 0) res.status(503);
    const single = this.registry.atWebhookPath();
    const top = single ? targets.find((target) => target.id === single.id) : undefined;
    return {
      status: broken.length > 0 ? 'unavailable' : 'ok',
      ...(top ? { branch: top.branch, head: top.head } : {}),
      ...(broken.length > 0
        ? {
            reason: single
              ? 'REPO_PATH is not a usable git work tree'
              : `not a usable git work tree: ${broken.map((target) => target.id).join(', ')}`,
          }
        : {}),
      targets,
    };
  }
}
