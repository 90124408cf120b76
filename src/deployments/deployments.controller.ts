import { FleetRollouts } from '../fleet/fleet-rollout.js';
import type { DeploymentHost } from '../domain/deployment-host.js';
import { DeploymentHostsStore } from '../storage/deployment-hosts.store.js';
import { Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AdminGuard } from '../auth/admin.guard.js';
import { httpError } from '../common/http-error.js';
import { readSmallBody } from '../common/read-small-body.js';
import { stat } from 'node:fs/promises';
import { DeployQueue, NotAcceptedError, TargetPausedError, UnknownTargetError } from '../deploy/deploy-queue.js';
import { isRollbackSource, releaseDirectory, rollbackRefusal } from '../deploy/rollback-check.js';
import { DeployRunner } from '../deploy/deploy-runner.js';
import { isFinished, type Deployment } from '../domain/deployment.js';
import { DeploymentEvents } from '../events/deployment-events.js';
import { DeploymentLogsStore } from '../storage/deployment-logs.store.js';
import { DeploymentsStore } from '../storage/deployments.store.js';
import { EventStreams } from './event-streams.js';
import { hostLogsWithinBudget } from './host-logs.js';
import { TARGET_ID_PATTERN, type Target } from '../domain/target.js';
import { TargetRegistry } from '../targets/target-registry.js';
import { sendJsonArray } from './send-json-array.js';
import { parseDeploymentId, parseDeploymentQuery } from './deployment-query.js';

@Controller('deployments')
@UseGuards(AdminGuard)
export class DeploymentsController {
  constructor(
    @Inject(DeploymentsStore) private readonly deployments: DeploymentsStore,
    @Inject(DeploymentLogsStore) private readonly logs: DeploymentLogsStore,
    @Inject(DeployQueue) private readonly queue: DeployQueue,
    @Inject(TargetRegistry) private readonly registry: TargetRegistry,
    @Inject(DeployRunner) private readonly runner: DeployRunner,
    @Inject(DeploymentHostsStore) private readonly hosts: DeploymentHostsStore,
    @Inject(FleetRollouts) private readonly fleet: FleetRollouts,
    @Inject(DeploymentEvents) private readonly events: DeploymentEvents,
    @Inject(EventStreams) private readonly streams: EventStreams,
  ) {}

  /** Newest first; `?log=false` leaves the logs out (the dashboard's list polls this). */
  @Get()
  async list(@Query() rawQuery: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const { withLog, ...query } = parseDeploymentQuery(rawQuery);
    const deployments = this.deployments.list(query);
    if (!withLog) {
      res.json(deployments);
      return;
    }
    // Each log is read only when its deployment is written out.
    const logs = this.logs;
    await sendJsonArray(
      res,
      (function* () {
        for (const deployment of deployments) yield { ...deployment, log: logs.get(deployment.id) ?? '' };
      })(),
    );
  }

  /** "Deploy now": fetch origin and deploy the branch tip, coalesced with pushes. */
  @Post()
  @HttpCode(202)
  async deployNow(@Req() req: Request): Promise<{ status: 'queued'; deploymentId: number }> {
    const target = this.targetOf(await readSmallBody(req));
    try {
      return { status: 'queued', deploymentId: await this.queue.requestManual(target) };
    } catch (error) {
      if (error instanceof UnknownTargetError) throw httpError(404, error.message);
      if (error instanceof NotAcceptedError) throw httpError(503, error.message);
      if (error instanceof TargetPausedError) throw httpError(409, error.message);
      throw error;
    }
  }

  /**
   * A new `rollback` deployment of the deployment's target to where that (succeeded)
   * deployment left it; pauses the target. 409 when it cannot be returned to.
   */
  @Post(':id/rollback')
  @HttpCode(202)
  async rollback(@Param('id') rawId: string): Promise<{ status: 'queued'; deploymentId: number }> {
    const { log: _log, ...source } = this.find(rawId);
    const target = this.registry.get(source.target);
    const name = target?.release === undefined ? null : source.release;
    const directory = name === null || target === undefined ? undefined : releaseDirectory(target, name);
    const exists =
      directory !== undefined &&
      (await stat(directory).then(
        (found) => found.isDirectory(),
        () => false,
      ));
    const refusal = rollbackRefusal(source, target, { name, exists });
    if (refusal !== undefined || target === undefined || !isRollbackSource(source)) {
      throw httpError(409, refusal ?? `deployment ${source.id} cannot be rolled back to`);
    }
    try {
      return { status: 'queued', deploymentId: await this.queue.requestRollback(target, source) };
    } catch (error) {
      if (error instanceof UnknownTargetError) throw httpError(409, `${error.message}: it is no longer configured`);
      if (error instanceof NotAcceptedError) throw httpError(503, error.message);
      throw error;
    }
  }

  /** `{}` (or no body) with exactly one target, else `{ "target": "<id>" }`. */
  private targetOf(body: Record<string, unknown>): Target {
    const { target: id, ...rest } = body;
    const extra = Object.keys(rest);
    if (extra.length > 0)
      throw httpError(400, `unknown field ${extra.map((key) => `"${key}"`).join(', ')}; expected { "target": "<id>" }`);
    if (id === undefined) {
      const only = this.registry.only();
      if (only) return only;
      throw httpError(
        400,
        `"target" is required: one of ${this.registry
          .all()
          .map((t) => t.id)
          .join(', ')}`,
      );
    }
    if (typeof id !== 'string' || !TARGET_ID_PATTERN.test(id)) throw httpError(400, '"target" must be a target id');
    const target = this.registry.get(id);
    if (!target) throw httpError(404, `no target "${id}"`);
    return target;
  }

  @Get(':id')
  get(@Param('id') rawId: string): Deployment & { hosts?: DeploymentHost[] } {
    const deployment = this.find(rawId);
    // A fleet deployment (issue 13) lists what each host did.
    const hosts = this.hosts.list(deployment.id);
    return hosts.length > 0 ? { ...deployment, hosts: hostLogsWithinBudget(hosts) } : deployment;
  }

  @Get(':id/log')
  log(@Param('id') rawId: string, @Res({ passthrough: true }) res: Response): string {
    const deployment = this.find(rawId);
    res.type('text/plain; charset=utf-8');
    return this.runner.liveLog(deployment.id) ?? this.fleet.liveLog(deployment.id) ?? deployment.log;
  }

  /**
   * Server-Sent Events: the log so far, then each chunk as it comes (`log`), and the
   * deployment at every change (`status`, without its log). Ends once it finished.
   */
  @Get(':id/events')
  stream(@Param('id') rawId: string, @Res() res: Response): void {
    const deployment = this.find(rawId);
    const stream = this.streams.start(res, `deployment ${deployment.id}`);
    const { log, ...summary } = deployment;
    if (isFinished(deployment)) {
      if (log !== '') stream.sendCatchUp('log', log);
      stream.send('status', JSON.stringify(summary));
      stream.end();
      return;
    }
    // Subscribed and caught up in the same tick: no chunk can fall in between.
    const unsubscribe = this.events.subscribe(deployment.id, {
      log: (chunk) => stream.send('log', chunk),
      status: (changed) => {
        stream.send('status', JSON.stringify(changed));
        if (isFinished(changed)) {
          unsubscribe();
          stream.end();
        }
      },
    });
    stream.onClose(unsubscribe);
    const sofar = this.runner.liveLog(deployment.id) ?? this.fleet.liveLog(deployment.id) ?? log;
    if (sofar !== '') stream.sendCatchUp('log', sofar);
    stream.send('status', JSON.stringify(summary));
  }

  private find(rawId: string): Deployment {
    const id = parseDeploymentId(rawId);
    const deployment = this.deployments.get(id);
    if (!deployment) throw httpError(404, `deployment ${id} not found`);
    return deployment;
  }
}
