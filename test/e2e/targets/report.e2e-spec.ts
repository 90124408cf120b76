import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Deployment } from '../../../src/domain/deployment.js';
import type { ForgeName } from '../../../src/domain/forge-name.js';
import { FakeForgeApi } from '../../fixtures/fake-forge-api.js';
import { fixtureDefaults } from '../../fixtures/forge-deliveries.js';
import { TargetsService, type TargetSpec } from '../../fixtures/targets-service.js';
import { waitFor } from '../../fixtures/wait.js';

const WAIT_MS = 30_000;
const PUBLIC_URL = 'https://deploy.example.com';

/** One target per case, each with its own fake forge API and its own token (in the environment only). */
const TARGETS: { id: string; forge: ForgeName; apiPath: string }[] = [
  { id: 'gh', forge: 'github', apiPath: '' },
  { id: 'gl', forge: 'gitlab', apiPath: '/api/v4' },
  { id: 'gt', forge: 'gitea', apiPath: '/api/v1' },
  { id: 'fj', forge: 'forgejo', apiPath: '/api/v1' },
  { id: 'bb', forge: 'bitbucket', apiPath: '/2.0' },
  { id: 'bs', forge: 'bitbucket-server', apiPath: '' },
  { id: 'flaky', forge: 'gitea', apiPath: '/api/v1' },
  { id: 'silent', forge: 'github', apiPath: '' },
];

const tokenOf = (id: string): string => `tok-${id}-5f0c2d9e8b7a61`;
const variableOf = (id: string): string => `${id.toUpperCase()}_REPORT_TOKEN`;

describe('report: every deployment reported to its forge, never in the way of a deploy', () => {
  let service: TargetsService;
  const forges = new Map<string, FakeForgeApi>();

  beforeAll(async () => {
    for (const { id } of TARGETS) forges.set(id, await FakeForgeApi.start());
    forges.get('silent')!.hangAll();
    const specs: TargetSpec[] = TARGETS.map(({ id, forge, apiPath }) => ({
      id,
      forge,
      // A commit that adds FAIL makes the deploy command fail.
      command: 'test ! -f FAIL',
      report: {
        token: `\${${variableOf(id)}}`,
        apiUrl: `${forges.get(id)!.url}${apiPath}`,
        environment: 'staging',
        publicUrl: `${PUBLIC_URL}/`,
      },
    }));
    const env = Object.fromEntries(TARGETS.map(({ id }) => [variableOf(id), tokenOf(id)]));
    service = await TargetsService.start(specs, { env: { ...env, LOG_FORMAT: 'json' } });
  }, 90_000);

  afterAll(async () => {
    await service?.remove();
    for (const forge of forges.values()) await forge.close();
  }, WAIT_MS);

  /** A signed push of a new commit; resolves once its deployment ended. */
  async function push(id: string, files?: Record<string, string>): Promise<Deployment> {
    const sha = await service.fixture(id).commitAndPush(undefined, files);
    const response = await service.deliver(id, 'push', { after: sha });
    expect(response.status).toBe(202);
    const { deploymentId } = (await response.json()) as { deploymentId: number };
    return service.settled(deploymentId, WAIT_MS);
  }

  /** The deployment once its `report` matches (the forge's answer comes after the deploy). */
  async function reported(id: number, pattern: RegExp): Promise<Deployment> {
    let deployment: Deployment | undefined;
    await waitFor(
      `deployment ${id}'s report matches ${pattern}`,
      async () => {
        deployment = (await service.api<Deployment>(`/deployments/${id}`)).body;
        return pattern.test(deployment.report ?? '') && pattern.test(deployment.log);
      },
      WAIT_MS,
    ).catch((error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(deployment)}\n${service.service.text()}`);
    });
    return deployment!;
  }

  const repository = (forge: ForgeName): string => fixtureDefaults(forge).repository;

  it(
    'GitHub: creates a Deployment of the commit, then in_progress and success, linking the dashboard',
    async () => {
      const forge = forges.get('gh')!;
      const deployment = await push('gh');
      expect(deployment.status).toBe('succeeded');
      await forge.waitForRequests(3);
      const [owner, name] = repository('github').split('/');
      const created = forge.requests[0]!;
      expect(forge.calls()[0]).toBe(`POST /repos/${owner}/${name}/deployments`);
      expect(created.body).toEqual({
        ref: deployment.requestedSha,
        environment: 'staging',
        auto_merge: false,
        required_contexts: [],
        description: `hookdeploy deployment ${deployment.id} of gh`,
      });
      const githubId = (await reported(deployment.id, /reported success to GitHub/)).report!.match(
        /deployment (\d+)/,
      )![1];
      expect(forge.calls()).toEqual([
        `POST /repos/${owner}/${name}/deployments`,
        `POST /repos/${owner}/${name}/deployments/${githubId}/statuses`,
        `POST /repos/${owner}/${name}/deployments/${githubId}/statuses`,
      ]);
      const logUrl = `${PUBLIC_URL}/#/deployments/${deployment.id}`;
      expect(forge.requests[1]!.body).toMatchObject({ state: 'in_progress', log_url: logUrl });
      expect(forge.requests[2]!.body).toMatchObject({ state: 'success', log_url: logUrl });
      for (const request of forge.requests) expect(request.headers.authorization).toBe(`token ${tokenOf('gh')}`);
      const done = await reported(deployment.id, new RegExp(`reported success to GitHub \\(deployment ${githubId}\\)`));
      expect(done.report).toBe(`reported success to GitHub (deployment ${githubId})`);
      expect(done.log).toContain(`hookdeploy: reported in_progress to GitHub (deployment ${githubId})\n`);
      expect(done.log).toContain(`hookdeploy: reported success to GitHub (deployment ${githubId})\n`);
    },
    WAIT_MS,
  );

  it(
    'GitHub: a failing deploy command is reported as failure, on a Deployment of its own',
    async () => {
      const forge = forges.get('gh')!;
      forge.requests.length = 0;
      const deployment = await push('gh', { FAIL: 'yes\n' });
      expect(deployment.status).toBe('failed');
      const done = await reported(deployment.id, /reported failure to GitHub/);
      expect(forge.requests.map((request) => (request.body as { state?: string }).state)).toEqual([
        undefined,
        'in_progress',
        'failure',
      ]);
      expect((forge.requests[2]!.body as { description: string }).description).toMatch(
        new RegExp(`^hookdeploy deployment ${deployment.id} failed: `),
      );
      expect(done.log.indexOf('reported in_progress')).toBeLessThan(done.log.indexOf('reported failure'));
    },
    WAIT_MS,
  );

  it.each([
    ['gl', 'gitlab', 'running', 'success'],
    ['gt', 'gitea', 'pending', 'success'],
    ['fj', 'forgejo', 'pending', 'success'],
    ['bb', 'bitbucket', 'INPROGRESS', 'SUCCESSFUL'],
    ['bs', 'bitbucket-server', 'INPROGRESS', 'SUCCESSFUL'],
  ] as const)(
    '%s (%s): the commit status %s, then %s, named hookdeploy/<target>',
    async (id, forgeName, first, last) => {
      const forge = forges.get(id)!;
      const deployment = await push(id);
      expect(deployment.status).toBe('succeeded');
      await reported(deployment.id, /reported (success|SUCCESSFUL) to/);
      expect(forge.requests).toHaveLength(2);
      const sha = deployment.requestedSha!;
      const [owner, name] = repository(forgeName).split('/');
      const path = {
        gitlab: `/api/v4/projects/${encodeURIComponent(repository(forgeName))}/statuses/${sha}`,
        gitea: `/api/v1/repos/${owner}/${name}/statuses/${sha}`,
        forgejo: `/api/v1/repos/${owner}/${name}/statuses/${sha}`,
        bitbucket: `/2.0/repositories/${owner}/${name}/commit/${sha}/statuses/build`,
        'bitbucket-server': `/rest/api/latest/projects/${owner}/repos/${name}/commits/${sha}/builds`,
      }[forgeName];
      expect(forge.calls()).toEqual([`POST ${path}`, `POST ${path}`]);
      const states = forge.requests.map((request) => (request.body as { state: string }).state);
      expect(states).toEqual([first, last]);
      const link = `${PUBLIC_URL}/#/deployments/${deployment.id}`;
      for (const { body } of forge.requests) {
        const sent = body as Record<string, string>;
        expect(sent.name ?? sent.context).toBe(`hookdeploy/${id}`);
        expect(sent.target_url ?? sent.url).toBe(link);
      }
      const auth = forge.requests[0]!.headers;
      if (forgeName === 'gitlab') expect(auth['private-token']).toBe(tokenOf(id));
      else if (forgeName === 'gitea' || forgeName === 'forgejo')
        expect(auth.authorization).toBe(`token ${tokenOf(id)}`);
      else expect(auth.authorization).toBe(`Bearer ${tokenOf(id)}`);
    },
    WAIT_MS,
  );

  it(
    '"Deploy now": reported once the fetch told the commit',
    async () => {
      const forge = forges.get('gt')!;
      forge.requests.length = 0;
      const sha = await service.fixture('gt').commitAndPush();
      const { status, body } = await service.api<{ deploymentId: number }>('/deployments', {
        method: 'POST',
        body: JSON.stringify({ target: 'gt' }),
      });
      expect(status).toBe(202);
      const deployment = await service.settled(body.deploymentId, WAIT_MS);
      expect(deployment).toMatchObject({ trigger: 'manual', status: 'succeeded', requestedSha: sha });
      await reported(deployment.id, /reported success to Gitea/);
      expect(
        forge.requests.map((request) => [request.path.split('/').pop(), (request.body as { state: string }).state]),
      ).toEqual([
        [sha, 'pending'],
        [sha, 'success'],
      ]);
    },
    WAIT_MS,
  );

  it(
    'honours a 429 with Retry-After and retries a 502',
    async () => {
      const forge = forges.get('flaky')!;
      // 3 s: more than any backoff before the third try (1 s, then 2 s): only Retry-After explains the wait.
      forge.script(
        { status: 429, headers: { 'retry-after': '3' }, body: { message: 'slow down' } },
        { status: 502, body: { message: 'Bad Gateway' } },
      );
      const deployment = await push('flaky');
      expect(deployment.status).toBe('succeeded');
      const done = await reported(deployment.id, /reported success to Gitea/);
      const states = forge.requests.map((request) => (request.body as { state: string }).state);
      expect(states).toEqual(['pending', 'pending', 'pending', 'success']);
      expect(forge.requests[1]!.at - forge.requests[0]!.at).toBeGreaterThanOrEqual(2_900);
      expect(forge.requests[2]!.at - forge.requests[1]!.at).toBeGreaterThanOrEqual(1_900);
      expect(done.log).toContain('hookdeploy: reported pending to Gitea\n');
    },
    WAIT_MS,
  );

  it(
    'a forge error that echoes the token: reported failed, the token replaced, the deploy untouched',
    async () => {
      const forge = forges.get('gl')!;
      forge.requests.length = 0;
      forge.script({ status: 401, body: { message: `401 Unauthorized: token ${tokenOf('gl')} is revoked` } });
      const deployment = await push('gl');
      expect(deployment.status).toBe('succeeded');
      const done = await reported(deployment.id, /reported success to GitLab/);
      expect(done.log).toContain(
        'hookdeploy: report of running to GitLab failed: 401 401 Unauthorized: token [token] is revoked\n',
      );
      expect(forge.requests).toHaveLength(2);
    },
    WAIT_MS,
  );

  it(
    'a forge that never answers delays nothing: the deploy succeeds and the next push deploys',
    async () => {
      const forge = forges.get('silent')!;
      const first = await push('silent');
      expect(first.status).toBe('succeeded');
      await forge.waitForRequests(1);
      const started = Date.now();
      const second = await push('silent');
      expect(second.status).toBe('succeeded');
      expect(Date.now() - started).toBeLessThan(10_000);
      // Still waiting on the first request: nothing sent for the second deployment yet.
      expect(forge.requests).toHaveLength(1);
      expect(second.report).toBeNull();
    },
    WAIT_MS,
  );

  it(
    'no token in any log line, answer or deployment log',
    async () => {
      const answers = await Promise.all(
        ['/deployments?limit=200', '/targets', '/deliveries?limit=500', '/health'].map(
          async (path) => (await service.api<unknown>(path)).body,
        ),
      );
      const metrics = await (await fetch(`${service.url}/metrics`)).text();
      const everything = [service.service.text(), JSON.stringify(answers), metrics].join('\n');
      expect(everything).toContain('reported success to GitHub');
      for (const { id } of TARGETS) expect(everything).not.toContain(tokenOf(id));
    },
    WAIT_MS,
  );

  it(
    'at shutdown, pending reports get a short grace, then are abandoned with a log line; the exit is clean',
    async () => {
      expect(await service.stop()).toBe(0);
      const output = service.service.text();
      expect(output).toMatch(/shutting down: \d+ report\(s\) to the forge pending, waiting up to 5 s/);
      expect(output).toMatch(/report of in_progress to GitHub abandoned: hookdeploy stopped before the forge answered/);
      for (const { id } of TARGETS) expect(output).not.toContain(tokenOf(id));
      // Recorded before the database closed: the next start shows it in the deployment and its log.
      await service.launch();
      const silent = (await service.api<Deployment[]>('/deployments?target=silent&limit=10')).body;
      expect(silent).toHaveLength(2);
      for (const deployment of silent) {
        expect(deployment.report).toMatch(/^report of success to GitHub abandoned: hookdeploy stopped/);
        expect(deployment.log).toMatch(
          /\nhookdeploy: report of in_progress to GitHub abandoned: [^\n]*\nhookdeploy: report of success to GitHub abandoned: /,
        );
      }
    },
    WAIT_MS,
  );
});
