import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Logger, type LoggerService } from '@nestjs/common';
import { FakeForgeApi } from '../../test/fixtures/fake-forge-api.js';
import { push, SHA_A, TestStores } from '../../test/fixtures/stores.js';
import { waitFor } from '../../test/fixtures/wait.js';
import type { DeploymentSummary } from '../domain/deployment.js';
import type { Target } from '../domain/target.js';
import type { DeploymentsStore } from '../storage/deployments.store.js';
import { TargetRegistry } from '../targets/target-registry.js';
import { DeploymentReporter } from './deployment-reporter.js';
import { REPORT_LIMITS } from './report-limits.js';

const TOKEN = 'gitea-token-0c9d8e7f6a';

/** Every service log line, as JSON: the reporter's lines are checked for the token too. */
const lines: string[] = [];
const collect = (message: unknown): void => {
  lines.push(JSON.stringify(message));
};
const collector: LoggerService = { log: collect, warn: collect, error: collect };

describe('DeploymentReporter: from the deployment events to the forge, the log and the report field', () => {
  let stores: TestStores;
  let forge: FakeForgeApi;
  let reporter: DeploymentReporter;

  beforeAll(() => Logger.overrideLogger(collector));
  afterAll(() => Logger.overrideLogger(true));

  beforeEach(async () => {
    stores = new TestStores();
    forge = await FakeForgeApi.start();
    const target = (id: string, report: boolean): Target => ({
      id,
      forge: 'gitea',
      secrets: ['s'],
      repoPath: `/srv/${id}`,
      branch: 'main',
      repository: 'owner/site',
      strategy: 'rebase',
      command: undefined,
      timeoutMs: 60_000,
      ...(report && {
        report: { token: TOKEN, apiUrl: `${forge.url}/api/v1`, environment: 'production', publicUrl: undefined },
      }),
    });
    const registry = new TargetRegistry([target('site', true), target('quiet', false)], undefined);
    reporter = new DeploymentReporter(stores.events, registry, stores.stores, {
      limits: { ...REPORT_LIMITS, firstRetryDelayMs: 10, shutdownGraceMs: 100 },
    });
    reporter.onModuleInit();
  });

  afterEach(async () => {
    await reporter.onApplicationShutdown();
    await forge.close();
    stores.close();
  });

  const deployments = (): DeploymentsStore => stores.stores.deployments;

  function start(target = 'site', sha: string | null = SHA_A): DeploymentSummary {
    const id = deployments().insert(target, { ...push(sha), trigger: sha === null ? 'manual' : 'push' });
    const running = deployments().update(id, { status: 'running', startedAt: new Date().toISOString() });
    stores.events.started(running);
    return running;
  }

  function finish(id: number, status: 'succeeded' | 'failed' = 'succeeded'): DeploymentSummary {
    const done = deployments().update(id, {
      status,
      finishedAt: new Date().toISOString(),
      error: status === 'failed' ? 'boom' : null,
    });
    stores.events.finished(done);
    return done;
  }

  const reportOf = (id: number): string | null => deployments().get(id)!.report;

  it('keeps the lines of a report made while the deployment runs until its end: the live log would overwrite them', async () => {
    const { id } = start();
    await waitFor('in_progress reported', () => reportOf(id) === 'reported pending to Gitea');
    // What the runner's live log does at the end: save the whole output it holds.
    stores.stores.logs.save(id, 'git output\n');
    finish(id);
    await waitFor('success reported', () => reportOf(id) === 'reported success to Gitea');
    expect(stores.stores.logs.get(id)).toBe(
      'git output\nhookdeploy: reported pending to Gitea\nhookdeploy: reported success to Gitea\n',
    );
    expect(forge.requests.map((request) => (request.body as { state: string }).state)).toEqual(['pending', 'success']);
  });

  it('"Deploy now": in_progress goes out once the store records the fetched commit', async () => {
    const { id } = start('site', null);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(forge.requests).toHaveLength(0);
    deployments().set(id, { requestedSha: SHA_A });
    await forge.waitForRequests(1);
    expect(forge.requests[0]!.path).toBe(`/api/v1/repos/owner/site/statuses/${SHA_A}`);
    finish(id);
    await waitFor('success reported', () => reportOf(id) === 'reported success to Gitea');
  });

  it('a "Deploy now" that failed before its fetch: nothing to report, and the log says so', async () => {
    const { id } = start('site', null);
    finish(id, 'failed');
    expect(reportOf(id)).toBe('nothing reported to Gitea: the deployment ended before its commit was known');
    expect(stores.stores.logs.get(id)).toContain('hookdeploy: nothing reported to Gitea');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(forge.requests).toHaveLength(0);
  });

  it('a deployment ended by the crash recovery (never seen starting): its failure alone', async () => {
    const id = deployments().insert('site', push());
    deployments().update(id, { status: 'running' });
    finish(id, 'failed');
    await waitFor('failure reported', () => reportOf(id) === 'reported failure to Gitea');
    expect(forge.requests.map((request) => (request.body as { state: string }).state)).toEqual(['failure']);
    expect((forge.requests[0]!.body as { description: string }).description).toBe(
      `hookdeploy deployment ${id} failed: boom`,
    );
  });

  it('a target without report: no request, no report, no line', async () => {
    const { id } = start('quiet');
    finish(id);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(forge.requests).toHaveLength(0);
    expect(reportOf(id)).toBeNull();
  });

  it('a forge that refuses the token: the failure in the log and the report, without the token', async () => {
    forge.script({ status: 401, body: { message: `token ${TOKEN} is invalid` } });
    const { id } = start();
    finish(id);
    await waitFor('success reported', () => reportOf(id) === 'reported success to Gitea');
    const log = stores.stores.logs.get(id)!;
    expect(log).toContain('hookdeploy: report of pending to Gitea failed: 401 token [token] is invalid\n');
    expect(log).not.toContain(TOKEN);
    expect(lines.join('\n')).toContain('401 token [token] is invalid');
    expect(lines.join('\n')).not.toContain(TOKEN);
  });
});
