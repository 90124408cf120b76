import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Deployment } from '../../../src/domain/deployment.js';
import { FakeForgeApi } from '../../fixtures/fake-forge-api.js';
import { waitFor } from '../../fixtures/wait.js';
import { ReleaseService, WAIT_MS } from './release-service.js';

describe('report in release mode', () => {
  let forge: FakeForgeApi;
  let site: ReleaseService;

  beforeAll(async () => {
    forge = await FakeForgeApi.start();
    site = await ReleaseService.start(
      {
        build: 'true',
        // A commit with BAD_ACTIVATE fails its activate: current goes back to the release before.
        activate: 'test ! -f BAD_ACTIVATE',
        report: { token: '${SITE_TOKEN}', apiUrl: forge.url, publicUrl: 'https://deploy.example.com' },
      },
      { SITE_TOKEN: 'ghp_release_report_7c1e' },
    );
  }, 60_000);

  afterAll(async () => {
    await site?.remove();
    await forge.close();
  });

  async function reportOf(id: number, pattern: RegExp): Promise<Deployment> {
    let deployment: Deployment | undefined;
    await waitFor(`deployment ${id}'s report matches ${pattern}`, async () => {
      deployment = (await site.api<Deployment>(`/deployments/${id}`)).body;
      return pattern.test(deployment.report ?? '');
    });
    return deployment!;
  }

  it(
    'a released deployment is reported success; a rolled-back one failure, with the reason',
    async () => {
      const good = await site.deploy();
      expect(good).toMatchObject({ status: 'succeeded', release: expect.any(String) });
      await reportOf(good.id, /^reported success to GitHub/);
      const bad = await site.deploy({ BAD_ACTIVATE: 'x\n' });
      expect(bad).toMatchObject({ status: 'failed', error: expect.stringMatching(/rolled back to/) });
      await reportOf(bad.id, /^reported failure to GitHub/);
      const states = forge.requests.map((request) => (request.body as { state?: string }).state ?? 'create');
      expect(states).toEqual(['create', 'in_progress', 'success', 'create', 'in_progress', 'failure']);
      expect((forge.requests[5]!.body as { description: string }).description).toMatch(/failed: .*rolled back to/);
    },
    WAIT_MS * 2,
  );
});
