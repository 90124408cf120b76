import { fleetTreeStatus, type FleetHostSummary } from '../fleet/fleet-tree-status.js';
import { Controller, Get, HttpCode, Inject, Param, Post, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import { AdminGuard } from '../auth/admin.guard.js';
import { httpError } from '../common/http-error.js';
import { readSmallBody } from '../common/read-small-body.js';
import { DeployQueue, NotAcceptedError, UnknownTargetError } from '../deploy/deploy-queue.js';
import type { TargetState } from '../domain/target-state.js';
import { TARGET_ID_PATTERN } from '../domain/target.js';
import { TargetStateStore } from '../storage/target-state.store.js';
import type { DeploymentSummary } from '../domain/deployment.js';
import type { ForgeName } from '../domain/forge-name.js';
import type { PullStrategy } from '../domain/pull-strategy.js';
import { deployMode, type DeployMode, type Target } from '../domain/target.js';
import { readCurrent } from '../releases/current-link.js';
import { ReleaseLayout } from '../releases/release-layout.js';
import { GitServices } from '../git/git-services.js';
import { DeploymentHostsStore } from '../storage/deployment-hosts.store.js';
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
  mode: DeployMode;
  /** Release mode: the release `current` points at (null: none yet, or unreadable); always null in place. */
  current: string | null;
  status: 'ok' | 'error';
  /** null for a fleet target: the hub has no work tree; each host's commit is in `hosts`. */
  head: string | null;
  /** A fleet target: each host's status and commit in its newest deployment. */
  hosts?: FleetHostSummary[];
  error?: string;
  lastDeployment?: DeploymentSummary;
  paused: boolean;
  pausedAt?: string;
  pausedReason?: string;
}

/** What pause and resume answer. */
export type TargetStateView = { id: string } & TargetState;

/** A pause's reason is for people reading the dashboard: a line, not a document. */
const REASON_MAX_CHARS = 200;
const DEFAULT_PAUSE_REASON = 'paused by an admin';

/** `GET /targets` (admin): every configured target with its work tree's state and last deployment. */
@Controller('targets')
@UseGuards(AdminGuard)
export class TargetsController {
  constructor(
    @Inject(TargetRegistry) private readonly registry: TargetRegistry,
    @Inject(GitServices) private readonly gits: GitServices,
    @Inject(DeploymentsStore) private readonly deployments: DeploymentsStore,
    @Inject(TargetStateStore) private readonly states: TargetStateStore,
    @Inject(DeployQueue) private readonly queue: DeployQueue,
    @Inject(DeploymentHostsStore) private readonly hosts: DeploymentHostsStore,
  ) {}

  @Get()
  list(): Promise<TargetView[]> {
    return Promise.all(
      this.registry.all().map(async (target): Promise<TargetView> => {
        // A fleet target has no work tree on the hub: its agents have them.
        const [tree, current] = await Promise.all([
          target.fleet ? fleetTreeStatus(target, this.hosts) : workTreeStatus(this.gits.for(target.repoPath)),
          currentRelease(target),
        ]);
        const [lastDeployment] = this.deployments.list({ target: target.id, limit: 1 });
        return {
          id: target.id,
          forge: target.forge,
          branch: target.branch,
          repository: target.repository ?? null,
          repoPath: target.repoPath,
          strategy: target.strategy,
          mode: deployMode(target),
          current,
          status: tree.status,
          head: tree.head,
          ...('hosts' in tree ? { hosts: tree.hosts } : {}),
          ...(tree.status === 'error' ? { error: tree.error } : {}),
          ...(lastDeployment ? { lastDeployment } : {}),
          ...this.states.get(target.id),
        };
      }),
    );
  }

  /**
   * Pushes are still verified, recorded and answered 202, but wait until resume; a
   * running deployment finishes. Body (optional): `{ "reason": "..." }`. Idempotent: a
   * paused target keeps its reason and time.
   */
  @Post(':id/pause')
  @HttpCode(200)
  async pause(@Param('id') id: string, @Req() req: Request): Promise<TargetStateView> {
    const target = this.targetOf(id);
    const reason = reasonOf(await readSmallBody(req));
    return { id: target.id, ...(await this.changing(() => this.queue.pause(target, reason))) };
  }

  /** Deploys the newest waiting push, if any. Idempotent. */
  @Post(':id/resume')
  @HttpCode(200)
  async resume(@Param('id') id: string): Promise<TargetStateView> {
    const target = this.targetOf(id);
    return { id: target.id, ...(await this.changing(() => this.queue.resume(target))) };
  }

  private targetOf(id: string): Target {
    const target = TARGET_ID_PATTERN.test(id) ? this.registry.get(id) : undefined;
    if (target === undefined) throw httpError(404, `no target "${id.slice(0, 64)}"`);
    return target;
  }

  private async changing(change: () => Promise<TargetState>): Promise<TargetState> {
    try {
      return await change();
    } catch (error) {
      if (error instanceof UnknownTargetError) throw httpError(404, error.message);
      if (error instanceof NotAcceptedError) throw httpError(503, error.message);
      throw error;
    }
  }
}

function reasonOf(body: Record<string, unknown>): string {
  const { reason, ...rest } = body;
  const extra = Object.keys(rest);
  if (extra.length > 0) {
    throw httpError(400, `unknown field ${extra.map((key) => `"${key}"`).join(', ')}; expected { "reason": "..." }`);
  }
  if (reason === undefined) return DEFAULT_PAUSE_REASON;
  if (typeof reason !== 'string' || reason.trim() === '' || reason.length > REASON_MAX_CHARS) {
    throw httpError(400, `"reason" must be a text of 1 to ${REASON_MAX_CHARS} characters`);
  }
  return reason.trim();
}

function currentRelease(target: Target): Promise<string | null> {
  if (target.release === undefined) return Promise.resolve(null);
  return readCurrent(new ReleaseLayout(target.release.path)).catch(() => null);
}
