import { describe, expect, it } from '@jest/globals';
import { INTERRUPTED, type DeploymentSummary } from '../domain/deployment.js';
import { Metrics } from './metrics.js';

/** `name{labels} value` lines of the exposition, without comments. */
async function samples(metrics: Metrics, prefix: string): Promise<Record<string, number>> {
  const text = await metrics.registry.metrics();
  const found: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const space = line.lastIndexOf(' ');
    found[line.slice(0, space)] = Number(line.slice(space + 1));
  }
  return found;
}

function finished(changes: Partial<DeploymentSummary>): DeploymentSummary {
  return {
    id: 1,
    target: 'default',
    status: 'succeeded',
    trigger: 'push',
    deliveries: ['d-1'],
    ref: 'refs/heads/main',
    requestedSha: 'a'.repeat(40),
    headBefore: null,
    headAfter: null,
    queuedAt: '2025-01-01T00:00:00.000Z',
    startedAt: '2025-01-01T00:00:01.000Z',
    finishedAt: '2025-01-01T00:00:03.500Z',
    release: null,
    error: null,
    ...changes,
  };
}

describe('Metrics', () => {
  it("starts a target's series at 0, so that increase() sees its first delivery and deployment", async () => {
    const metrics = new Metrics();
    metrics.startSeries('site', 'push');
    metrics.startSeries('api', 'Push Hook');
    expect(await samples(metrics, 'hookdeploy_deliveries_total')).toEqual({
      'hookdeploy_deliveries_total{target="site",event="push",outcome="queued"}': 0,
      'hookdeploy_deliveries_total{target="site",event="push",outcome="duplicate"}': 0,
      'hookdeploy_deliveries_total{target="site",event="push",outcome="ignored"}': 0,
      'hookdeploy_deliveries_total{target="site",event="push",outcome="rejected"}': 0,
      'hookdeploy_deliveries_total{target="api",event="Push Hook",outcome="queued"}': 0,
      'hookdeploy_deliveries_total{target="api",event="Push Hook",outcome="duplicate"}': 0,
      'hookdeploy_deliveries_total{target="api",event="Push Hook",outcome="ignored"}': 0,
      'hookdeploy_deliveries_total{target="api",event="Push Hook",outcome="rejected"}': 0,
    });
    expect(Object.keys(await samples(metrics, 'hookdeploy_deployments_total'))).toHaveLength(16); // 2 targets × succeeded|failed × push|manual|recovery|rollback
    expect(await samples(metrics, 'hookdeploy_signature_failures_total')).toEqual({
      'hookdeploy_signature_failures_total{target="site"}': 0,
      'hookdeploy_signature_failures_total{target="api"}': 0,
    });
    expect(await samples(metrics, 'hookdeploy_secret_matches_total')).toEqual({
      'hookdeploy_secret_matches_total{target="site",secret="0"}': 0,
      'hookdeploy_secret_matches_total{target="api",secret="0"}': 0,
    });
  });

  it('labels a delivery with its event, or "unknown" when the header is missing or not an event name', async () => {
    const metrics = new Metrics();
    metrics.delivery('site', 'issues', 'ignored');
    metrics.delivery('api', 'Push Hook', 'queued');
    metrics.delivery('bb', 'repo:refs_changed', 'queued');
    metrics.delivery('site', null, 'rejected');
    metrics.delivery('site', 'Push; DROP TABLE', 'rejected');
    metrics.delivery('site', 'x'.repeat(51), 'rejected');
    expect(await samples(metrics, 'hookdeploy_deliveries_total')).toMatchObject({
      'hookdeploy_deliveries_total{target="site",event="issues",outcome="ignored"}': 1,
      'hookdeploy_deliveries_total{target="api",event="Push Hook",outcome="queued"}': 1,
      'hookdeploy_deliveries_total{target="bb",event="repo:refs_changed",outcome="queued"}': 1,
      'hookdeploy_deliveries_total{target="site",event="unknown",outcome="rejected"}': 3,
    });
  });

  it('counts a finished deployment by status and trigger, and observes its duration by status', async () => {
    const metrics = new Metrics();
    metrics.startSeries('default', 'push');
    metrics.deploymentFinished(finished({}));
    metrics.deploymentFinished(finished({ status: 'failed', trigger: 'manual', finishedAt: '2025-01-01T00:10:01Z' }));
    expect(await samples(metrics, 'hookdeploy_deployments_total')).toMatchObject({
      'hookdeploy_deployments_total{target="default",status="succeeded",trigger="push"}': 1,
      'hookdeploy_deployments_total{target="default",status="failed",trigger="manual"}': 1,
      'hookdeploy_deployments_total{target="default",status="failed",trigger="push"}': 0,
    });
    expect(await samples(metrics, 'hookdeploy_deploy_duration_seconds')).toMatchObject({
      'hookdeploy_deploy_duration_seconds_bucket{le="1",target="default",status="succeeded"}': 0,
      'hookdeploy_deploy_duration_seconds_bucket{le="2.5",target="default",status="succeeded"}': 1,
      'hookdeploy_deploy_duration_seconds_bucket{le="5",target="default",status="succeeded"}': 1,
      'hookdeploy_deploy_duration_seconds_sum{target="default",status="succeeded"}': 2.5,
      'hookdeploy_deploy_duration_seconds_count{target="default",status="succeeded"}': 1,
      'hookdeploy_deploy_duration_seconds_bucket{le="600",target="default",status="failed"}': 1,
      'hookdeploy_deploy_duration_seconds_sum{target="default",status="failed"}': 600,
    });
  });

  it('counts a deployment a crash interrupted as failed, without a duration (its end is the restart)', async () => {
    const metrics = new Metrics();
    metrics.startSeries('default', 'push');
    metrics.deploymentFinished(finished({ status: 'failed', error: INTERRUPTED, finishedAt: '2025-01-02T00:00:00Z' }));
    metrics.deploymentFinished(finished({ status: 'running', finishedAt: null }));
    expect(
      await samples(metrics, 'hookdeploy_deployments_total{target="default",status="failed",trigger="push"}'),
    ).toEqual({
      'hookdeploy_deployments_total{target="default",status="failed",trigger="push"}': 1,
    });
    expect(await samples(metrics, 'hookdeploy_deploy_duration_seconds_count')).toEqual({
      'hookdeploy_deploy_duration_seconds_count{target="default",status="succeeded"}': 0,
      'hookdeploy_deploy_duration_seconds_count{target="default",status="failed"}': 0,
    });
  });

  it("has a registry of its own per instance, with Node's process metrics under the hookdeploy_ prefix", async () => {
    const [a, b] = [new Metrics(), new Metrics()];
    a.signatureFailure('site');
    a.signatureFailure('site');
    b.deliveryTooLarge('site');
    expect(await samples(a, 'hookdeploy_signature_failures_total')).toEqual({
      'hookdeploy_signature_failures_total{target="site"}': 2,
    });
    expect(await samples(b, 'hookdeploy_signature_failures_total')).toEqual({});
    expect(await samples(b, 'hookdeploy_deliveries_too_large_total')).toEqual({
      'hookdeploy_deliveries_too_large_total{target="site"}': 1,
    });
    const names = Object.keys(await samples(a, 'hookdeploy_'));
    for (const name of ['hookdeploy_process_resident_memory_bytes', 'hookdeploy_process_cpu_seconds_total']) {
      expect(names).toContain(name);
    }
    expect(names.some((name) => name.startsWith('hookdeploy_nodejs_heap_size_used_bytes'))).toBe(true);
  });
});
