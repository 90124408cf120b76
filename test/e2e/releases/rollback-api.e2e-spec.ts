import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Deployment } from '../../../src/domain/deployment.js';
import { ADMIN_TOKEN, ReleaseService, WAIT_MS } from './release-service.js';

const ACTIVATE = 'echo "$DEPLOY_ID $(basename "$DEPLOY_RELEASE_DIR")" >> "$MARKS/activate"';
/** How long the paused target is watched not deploying what it recorded. */
const QUIET_MS = 1500;

describe('release mode: POST /deployments/:id/rollback and the pause', () => {
  let site: ReleaseService;

  beforeAll(async () => {
    site = await ReleaseService.start({ activate: ACTIVATE });
  }, 60_000);

  afterAll(() => site?.remove());

  const post = async (path: string): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(`${site.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it(
    'switches current back to the release of the deployment named, activates it, and pauses the target',
    async () => {
      const old = await site.deploy({ 'index.html': 'old\n' });
      const live = await site.deploy({ 'index.html': 'new\n' });
      expect([old.status, live.status]).toEqual(['succeeded', 'succeeded']);

      const answer = await post(`/deployments/${old.id}/rollback`);
      expect(answer).toEqual({ status: 202, body: { status: 'queued', deploymentId: expect.any(Number) } });
      const rollback = await site.settled(answer.body.deploymentId as number);
      expect(rollback).toMatchObject({
        trigger: 'rollback',
        rollbackOf: old.id,
        status: 'succeeded',
        release: old.release,
        headAfter: old.headAfter,
      });
      expect(await site.current()).toBe(`releases/${old.release}`);
      expect((await site.marked('activate')).at(-1)).toBe(`${rollback.id} ${old.release}`);
      const targets = (await site.api<Array<{ paused: boolean; pausedReason?: string }>>('/targets')).body;
      expect(targets[0]).toMatchObject({ paused: true, pausedReason: `rolled back to deployment ${old.id}` });

      // The next push is recorded, not released, until the target is resumed.
      const next = await site.push({ 'index.html': 'newer\n' });
      await new Promise((done) => setTimeout(done, QUIET_MS));
      expect((await site.api<Deployment>(`/deployments/${next.id}`)).body.status).toBe('queued');
      expect(await site.current()).toBe(`releases/${old.release}`);
      expect(await post('/targets/site/resume')).toEqual({ status: 200, body: { id: 'site', paused: false } });
      const released = await site.settled(next.id);
      expect(released).toMatchObject({ status: 'succeeded', headAfter: next.sha });
      expect(await site.current()).toBe(`releases/${released.release}`);
    },
    WAIT_MS * 3,
  );

  it(
    'answers 409, queuing nothing, when the release of the deployment named was pruned',
    async () => {
      const gone = await site.deploy({ 'index.html': 'soon pruned\n' });
      await site.deploy({ 'index.html': 'after it\n' });
      await rm(join(site.path, 'releases', gone.release!), { recursive: true, force: true });
      const refused = await post(`/deployments/${gone.id}/rollback`);
      expect(refused).toEqual({ status: 409, body: { error: expect.stringMatching(/no longer exists \(pruned\)/) } });
      const queued = (await site.api<Deployment[]>('/deployments?status=queued&log=false')).body;
      expect(queued).toEqual([]);
      const targets = (await site.api<Array<{ paused: boolean }>>('/targets')).body;
      expect(targets[0]!.paused).toBe(false);
    },
    WAIT_MS * 2,
  );
});
