import { fleetTreeStatus, type FleetTreeStatus } from '../fleet/fleet-tree-status.js';
import type { Target } from '../domain/target.js';
import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { GitServices } from '../git/git-services.js';
import { DeploymentHostsStore } from '../storage/deployment-hosts.store.js';
import { TargetStateStore } from '../storage/target-state.store.js';
import { TargetRegistry } from '../targets/target-registry.js';
import { workTreeStatus } from '../targets/work-tree-status.js';

/**
 * Liveness of what matters: every target's work tree readable. No secrets, no paths, no
 * auth. 503 (same shape) when any target's work tree is unusable. Env-only mode keeps
 * its one target's `branch` and `head` at the top level too, as before targets.
 * A paused target is healthy: `paused` says so, it does not turn the answer into a 503.
 */
@Controller('health')
export class HealthController {
  constructor(
    @Inject(TargetRegistry) private readonly registry: TargetRegistry,
    @Inject(GitServices) private readonly gits: GitServices,
    @Inject(TargetStateStore) private readonly states: TargetStateStore,
    @Inject(DeploymentHostsStore) private readonly hosts: DeploymentHostsStore,
  ) {}

  @Get()
  async check(@Res({ passthrough: true }) res: Response): Promise<object> {
    const targets = await Promise.all(
      this.registry.all().map(async (target) => {
        // A fleet target has no work tree on the hub: its agents have them (head null, hosts).
        const tree = target.fleet ? this.fleetOrUnknown(target) : await workTreeStatus(this.gits.for(target.repoPath));
        return {
          id: target.id,
          status: tree.status,
          branch: tree.branch,
          head: tree.head,
          paused: this.pausedOrNull(target.id),
          ...('hosts' in tree ? { hosts: tree.hosts } : {}),
        };
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

  /** A fleet target's hosts come from the history too: null when it cannot be read, as `paused`. */
  private fleetOrUnknown(target: Target): Omit<FleetTreeStatus, 'hosts'> & { hosts: FleetTreeStatus['hosts'] | null } {
    try {
      return fleetTreeStatus(target, this.hosts);
    } catch {
      return { status: 'ok', branch: target.branch, head: null, hosts: null };
    }
  }

  /** Liveness must not hang on the history: when it cannot be read, "unknown" (null) rather than a 500. */
  private pausedOrNull(target: string): boolean | null {
    try {
      return this.states.isPaused(target);
    } catch {
      return null;
    }
  }
}
