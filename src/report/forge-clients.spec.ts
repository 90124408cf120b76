import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { FakeForgeApi } from '../../test/fixtures/fake-forge-api.js';
import type { ForgeName } from '../domain/forge-name.js';
import { ForgeCallError } from './forge-call-error.js';
import { forgeClient } from './forge-clients.js';
import type { ReportMemo, StatusReport } from './status-report.js';

const TOKEN = 'forge-token-5b2e91c0d7';
const SHA = '3f786850e387550fdab836ed7e6dc881de23001b';
const TIMEOUT_MS = 2_000;

function report(repository: string, changes: Partial<StatusReport> = {}): StatusReport {
  return {
    deploymentId: 12,
    targetId: 'site',
    repository,
    sha: SHA,
    ref: 'refs/heads/main',
    state: 'in_progress',
    description: 'hookdeploy deployment 12 is running',
    url: 'https://deploy.example.com/#/deployments/12',
    environment: 'production',
    ...changes,
  };
}

function send(forge: ForgeName, apiUrl: string, status: StatusReport, memo: ReportMemo = {}) {
  const client = forgeClient(
    forge,
    { token: TOKEN, apiUrl, environment: 'production', publicUrl: undefined },
    TIMEOUT_MS,
  );
  return client.send(status, memo, AbortSignal.timeout(TIMEOUT_MS));
}

describe('the forge clients: the exact requests each forge documents', () => {
  let forge: FakeForgeApi;

  beforeAll(async () => {
    forge = await FakeForgeApi.start();
  });
  beforeEach(() => {
    forge.requests.length = 0;
  });
  afterAll(() => forge.close());

  it('GitHub: one Deployment of the commit, then each status on it, with the token as Octokit sends it', async () => {
    const memo: ReportMemo = {};
    const first = await send('github', forge.url, report('octo/site'), memo);
    const second = await send(
      'github',
      forge.url,
      report('octo/site', { state: 'success', description: 'done' }),
      memo,
    );
    const id = memo.forgeDeploymentId!;
    expect(first).toBe(`deployment ${id}`);
    expect(second).toBe(`deployment ${id}`);
    expect(forge.calls()).toEqual([
      'POST /repos/octo/site/deployments',
      `POST /repos/octo/site/deployments/${id}/statuses`,
      `POST /repos/octo/site/deployments/${id}/statuses`,
    ]);
    const [create, inProgress, success] = forge.requests;
    expect(create!.body).toEqual({
      ref: SHA,
      environment: 'production',
      auto_merge: false,
      required_contexts: [],
      description: 'hookdeploy deployment 12 of site',
    });
    expect(inProgress!.body).toEqual({
      state: 'in_progress',
      description: 'hookdeploy deployment 12 is running',
      log_url: 'https://deploy.example.com/#/deployments/12',
    });
    expect(success!.body).toMatchObject({ state: 'success', description: 'done' });
    for (const request of forge.requests) {
      expect(request.headers.authorization).toBe(`token ${TOKEN}`);
      expect(request.headers['content-type']).toMatch(/^application\/json/);
      expect(request.headers.accept).toBe('application/vnd.github.v3+json');
      expect(request.headers['user-agent']).toMatch(/^hookdeploy/);
    }
  });

  it('GitHub: a failed status keeps the Deployment, so the retry does not create a second one', async () => {
    const memo: ReportMemo = {};
    forge.script({ status: 201, body: { id: 77 } }, { status: 502, body: { message: 'Server Error' } });
    await expect(send('github', forge.url, report('octo/site'), memo)).rejects.toMatchObject({ status: 502 });
    await send('github', forge.url, report('octo/site'), memo);
    expect(forge.calls()).toEqual([
      'POST /repos/octo/site/deployments',
      'POST /repos/octo/site/deployments/77/statuses',
      'POST /repos/octo/site/deployments/77/statuses',
    ]);
  });

  it('GitHub: an exhausted rate limit (403, remaining 0) is retryable and says when it resets', async () => {
    const reset = Math.floor(Date.now() / 1000) + 30;
    forge.script({
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      body: { message: 'API rate limit exceeded' },
    });
    const error = (await send('github', forge.url, report('octo/site')).catch((e: unknown) => e)) as ForgeCallError;
    expect(error).toBeInstanceOf(ForgeCallError);
    expect(error).toMatchObject({ status: 403, rateLimited: true });
    expect(Number(error.retryAfter)).toBeGreaterThan(25);
    expect(error.message).toBe('403 API rate limit exceeded');
  });

  it('GitHub: a secondary rate limit (403 with Retry-After) is retryable; a plain 403 is not', async () => {
    forge.script(
      { status: 403, headers: { 'retry-after': '60' }, body: { message: 'You have exceeded a secondary rate limit' } },
      { status: 403, body: { message: 'Resource not accessible by personal access token' } },
    );
    const limited = (await send('github', forge.url, report('octo/site')).catch((e: unknown) => e)) as ForgeCallError;
    expect(limited).toMatchObject({ status: 403, retryAfter: '60', rateLimited: true });
    const refused = (await send('github', forge.url, report('octo/site')).catch((e: unknown) => e)) as ForgeCallError;
    expect(refused).toMatchObject({ status: 403, retryAfter: undefined, rateLimited: false });
  });

  it('GitLab: POST /projects/<url-encoded path>/statuses/<sha> with PRIVATE-TOKEN', async () => {
    await send('gitlab', `${forge.url}/api/v4`, report('group/sub/site'));
    await send('gitlab', `${forge.url}/api/v4`, report('group/sub/site', { state: 'failure', description: 'no' }));
    expect(forge.calls()).toEqual([
      `POST /api/v4/projects/group%2Fsub%2Fsite/statuses/${SHA}`,
      `POST /api/v4/projects/group%2Fsub%2Fsite/statuses/${SHA}`,
    ]);
    expect(forge.requests[0]!.body).toEqual({
      state: 'running',
      name: 'hookdeploy/site',
      ref: 'main',
      target_url: 'https://deploy.example.com/#/deployments/12',
      description: 'hookdeploy deployment 12 is running',
    });
    expect(forge.requests[1]!.body).toMatchObject({ state: 'failed', description: 'no' });
    expect(forge.requests[0]!.headers['private-token']).toBe(TOKEN);
    expect(forge.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('GitLab: "Cannot transition status" (a lost answer to the same state) counts as set', async () => {
    forge.script({ status: 400, body: { message: 'Cannot transition status via :run from :running' } });
    await expect(send('gitlab', `${forge.url}/api/v4`, report('group/site'))).resolves.toBeUndefined();
  });

  it.each(['gitea', 'forgejo'] as const)(
    '%s: POST /repos/{owner}/{repo}/statuses/{sha} with Authorization: token',
    async (name) => {
      await send(name, `${forge.url}/api/v1`, report('owner/site'));
      await send(name, `${forge.url}/api/v1`, report('owner/site', { state: 'success', url: undefined }));
      expect(forge.calls()).toEqual([
        `POST /api/v1/repos/owner/site/statuses/${SHA}`,
        `POST /api/v1/repos/owner/site/statuses/${SHA}`,
      ]);
      expect(forge.requests[0]!.body).toEqual({
        state: 'pending',
        context: 'hookdeploy/site',
        target_url: 'https://deploy.example.com/#/deployments/12',
        description: 'hookdeploy deployment 12 is running',
      });
      // No publicUrl: no target_url at all rather than an empty one.
      expect(forge.requests[1]!.body).toEqual({
        state: 'success',
        context: 'hookdeploy/site',
        description: expect.any(String),
      });
      expect(forge.requests[0]!.headers.authorization).toBe(`token ${TOKEN}`);
    },
  );

  it('Bitbucket Cloud: POST /2.0/repositories/{workspace}/{slug}/commit/{sha}/statuses/build, Bearer or Basic', async () => {
    await send('bitbucket', `${forge.url}/2.0`, report('team/site'));
    const client = forgeClient(
      'bitbucket',
      { token: 'jdoe:app-password', apiUrl: `${forge.url}/2.0`, environment: 'production', publicUrl: undefined },
      TIMEOUT_MS,
    );
    await client.send(report('team/site', { state: 'failure' }), {}, AbortSignal.timeout(TIMEOUT_MS));
    expect(forge.calls()).toEqual([
      `POST /2.0/repositories/team/site/commit/${SHA}/statuses/build`,
      `POST /2.0/repositories/team/site/commit/${SHA}/statuses/build`,
    ]);
    expect(forge.requests[0]!.body).toEqual({
      key: 'hookdeploy/site',
      state: 'INPROGRESS',
      name: 'hookdeploy/site',
      url: 'https://deploy.example.com/#/deployments/12',
      description: 'hookdeploy deployment 12 is running',
      refname: 'main',
    });
    expect(forge.requests[1]!.body).toMatchObject({ state: 'FAILED' });
    expect(forge.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(forge.requests[1]!.headers.authorization).toBe(
      `Basic ${Buffer.from('jdoe:app-password').toString('base64')}`,
    );
  });

  it('Bitbucket Data Center: POST /rest/api/latest/projects/{key}/repos/{slug}/commits/{sha}/builds with Bearer (204)', async () => {
    await send('bitbucket-server', forge.url, report('PROJ/site', { state: 'success' }));
    expect(forge.calls()).toEqual([`POST /rest/api/latest/projects/PROJ/repos/site/commits/${SHA}/builds`]);
    expect(forge.requests[0]!.body).toEqual({
      key: 'hookdeploy/site',
      state: 'SUCCESSFUL',
      name: 'hookdeploy/site',
      url: 'https://deploy.example.com/#/deployments/12',
      description: 'hookdeploy deployment 12 is running',
      ref: 'refs/heads/main',
    });
    expect(forge.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it.each(['github', 'gitlab', 'gitea', 'bitbucket', 'bitbucket-server'] as const)(
    '%s: an error answer is a ForgeCallError with the status, the forge message and Retry-After',
    async (name) => {
      forge.script({ status: 429, headers: { 'retry-after': '7' }, body: { message: `slow down ${TOKEN}` } });
      const error = (await send(name, forge.url, report('team/site')).catch((e: unknown) => e)) as ForgeCallError;
      expect(error).toBeInstanceOf(ForgeCallError);
      expect(error).toMatchObject({ status: 429, retryAfter: '7' });
      expect(error.message).toMatch(/^429 slow down/);
    },
  );

  it.each(['github', 'gitlab', 'gitea', 'bitbucket', 'bitbucket-server'] as const)(
    '%s: a forge that never answers is a ForgeCallError without a status once the signal times out',
    async (name) => {
      forge.script('hang');
      const client = forgeClient(
        name,
        { token: TOKEN, apiUrl: forge.url, environment: 'e', publicUrl: undefined },
        200,
      );
      const error = (await client
        .send(report('team/site'), {}, AbortSignal.timeout(200))
        .catch((e: unknown) => e)) as ForgeCallError;
      expect(error).toBeInstanceOf(ForgeCallError);
      expect(error.status).toBeUndefined();
      expect(error.message).toBe('no answer within 0.2 s');
    },
  );

  it('a refused connection is no answer either', async () => {
    const closed = await FakeForgeApi.start();
    await closed.close();
    const error = (await send('gitea', closed.url, report('o/site')).catch((e: unknown) => e)) as ForgeCallError;
    expect(error).toMatchObject({ status: undefined, message: 'no answer: ECONNREFUSED' });
    const github = (await send('github', closed.url, report('o/site')).catch((e: unknown) => e)) as ForgeCallError;
    expect(github).toMatchObject({ status: undefined, message: 'no answer: ECONNREFUSED' });
  });
});
