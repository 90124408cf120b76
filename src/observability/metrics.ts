import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DeliveryOutcome } from '../domain/delivery-record.js';
import { INTERRUPTED, isFinished, type DeploymentSummary } from '../domain/deployment.js';

/** From a quick `git pull` to a long build, with DEPLOY_TIMEOUT's default (600 s) as the last bound. */
export const DEPLOY_DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/**
 * The forges' event names: `push` (GitHub, Gitea), `Push Hook` (GitLab), `repo:push`
 * (Bitbucket), `repo:refs_changed` (Bitbucket Server).
 */
const EVENT_NAME = /^[A-Za-z][A-Za-z0-9_: -]{0,49}$/;

/**
 * hookdeploy's Prometheus metrics, in a registry of its own (each application instance
 * has one: tests run several in one process, and nothing else writes to it). The
 * counters are cheap to move from a request: no await, one label lookup.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  private readonly deliveries = new Counter({
    name: 'hookdeploy_deliveries_total',
    help: 'Signed deliveries answered, by target, event (the forge event header) and outcome (queued, duplicate, ignored, pong, rejected).',
    labelNames: ['target', 'event', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly signatureFailures = new Counter({
    name: 'hookdeploy_signature_failures_total',
    help: 'Requests to a target refused with 401: signature or token missing, malformed or wrong.',
    labelNames: ['target'] as const,
    registers: [this.registry],
  });

  private readonly secretMatches = new Counter({
    name: 'hookdeploy_secret_matches_total',
    help: "Authentic deliveries by target and the secret that matched (0 = the target's first, 1 = the next, ...): an old secret is safe to remove once its count stops growing.",
    labelNames: ['target', 'secret'] as const,
    registers: [this.registry],
  });

  private readonly tooLarge = new Counter({
    name: 'hookdeploy_deliveries_too_large_total',
    help: 'Requests to a target refused with 413: body over 25 MiB.',
    labelNames: ['target'] as const,
    registers: [this.registry],
  });

  private readonly overBudget = new Counter({
    name: 'hookdeploy_deliveries_over_budget_total',
    help: 'Requests to a target refused with 503 because their body did not fit into WEBHOOK_BODY_BUDGET.',
    labelNames: ['target'] as const,
    registers: [this.registry],
  });

  private readonly deployments = new Counter({
    name: 'hookdeploy_deployments_total',
    help: 'Finished deployments, by target, status (succeeded, failed) and trigger (push, manual, recovery).',
    labelNames: ['target', 'status', 'trigger'] as const,
    registers: [this.registry],
  });

  private readonly deployDuration = new Histogram({
    name: 'hookdeploy_deploy_duration_seconds',
    help: 'Time from the start of a deployment (git and deploy command) to its end, by target and status.',
    labelNames: ['target', 'status'] as const,
    buckets: DEPLOY_DURATION_BUCKETS,
    registers: [this.registry],
  });

  private readonly eventStreamsFellBehind = new Counter({
    name: 'hookdeploy_event_streams_fell_behind_total',
    help: 'Live log streams (GET /deployments/:id/events) closed because their reader stopped reading.',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'hookdeploy_' });
  }

  /**
   * A target's series exist from the start (at boot, and when a reload adds it): rate()
   * and increase() then see their first increment. `pushEvent` is its forge's name of a push.
   */
  startSeries(target: string, pushEvent: string): void {
    for (const outcome of ['queued', 'duplicate', 'ignored', 'rejected'] as const) {
      this.deliveries.inc({ target, event: pushEvent, outcome }, 0);
    }
    this.signatureFailures.inc({ target }, 0);
    this.tooLarge.inc({ target }, 0);
    this.overBudget.inc({ target }, 0);
    this.secretMatches.inc({ target, secret: '0' }, 0);
    for (const status of ['succeeded', 'failed'] as const) {
      for (const trigger of ['push', 'manual', 'recovery', 'rollback'] as const) {
        this.deployments.inc({ target, status, trigger }, 0);
      }
      this.deployDuration.zero({ target, status });
    }
  }

  /** A signed delivery was answered with `outcome`. */
  delivery(target: string, event: string | null | undefined, outcome: DeliveryOutcome): void {
    // The header is signed, but a label value must stay a short, known-looking word.
    this.deliveries.inc({ target, event: event && EVENT_NAME.test(event) ? event : 'unknown', outcome });
  }

  signatureFailure(target: string): void {
    this.signatureFailures.inc({ target });
  }

  secretMatched(target: string, secretIndex: number): void {
    this.secretMatches.inc({ target, secret: String(secretIndex) });
  }

  deliveryTooLarge(target: string): void {
    this.tooLarge.inc({ target });
  }

  deliveryOverBudget(target: string): void {
    this.overBudget.inc({ target });
  }

  eventStreamFellBehind(): void {
    this.eventStreamsFellBehind.inc();
  }

  /**
   * A deployment ended. One that a crash interrupted (failed at the next boot) counts,
   * but has no duration: its end is the restart, not the deploy's.
   */
  deploymentFinished(deployment: DeploymentSummary): void {
    if (!isFinished(deployment)) return;
    const target = deployment.target;
    this.deployments.inc({ target, status: deployment.status, trigger: deployment.trigger });
    if (deployment.error === INTERRUPTED || !deployment.startedAt || !deployment.finishedAt) return;
    const seconds = (Date.parse(deployment.finishedAt) - Date.parse(deployment.startedAt)) / 1000;
    if (seconds >= 0) this.deployDuration.observe({ target, status: deployment.status }, seconds);
  }

  /** A gauge with one value per target, read when Prometheus scrapes. */
  targetGaugeAtScrape(name: string, help: string, read: () => Array<[target: string, value: number]>): void {
    new Gauge({
      name,
      help,
      labelNames: ['target'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [target, value] of read()) this.set({ target }, value);
      },
    });
  }

  /** A gauge whose value is read when Prometheus scrapes (from the store, for instance). */
  gaugeAtScrape(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }
}
