import { afterEach, describe, expect, it } from '@jest/globals';
import { rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { MAX_EVENT_STREAMS } from '../../src/deployments/event-streams.js';
import { EventStreamClient } from '../fixtures/event-stream-client.js';
import { TEST_ADMIN_TOKEN, TestApp } from '../fixtures/test-app.js';
import { waitFor } from '../fixtures/wait.js';

const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

describe('GET /deployments/:id/events: how many at once', () => {
  let t: TestApp | undefined;
  const clients: EventStreamClient[] = [];
  const release = join(process.env.TMPDIR ?? '/tmp', `release-${process.pid}-${Date.now()}`);
  afterEach(async () => {
    for (const client of clients) client.disconnect();
    // Whatever failed, the held deploy ends: close() waits for it.
    await writeFile(release, '');
    await t?.close();
    await rm(release, { force: true });
  });

  it(`keeps at most ${MAX_EVENT_STREAMS} open: one more is 503 with Retry-After, and one that ended frees its place`, async () => {
    t = await TestApp.start({ env: { DEPLOY_COMMAND: `while [ ! -e "${release}" ]; do sleep 0.05; done` } });
    const { port } = t.server.address() as AddressInfo;
    const app = t;
    const push = await t.deliverPush({ after: await t.fixture.commitAndPush() });
    const path = `/deployments/${push.body.deploymentId}/events`;
    await waitFor('the deploy runs', () => app.store.get(push.body.deploymentId)?.status === 'running');

    for (let i = 0; i < MAX_EVENT_STREAMS; i += 1) clients.push(new EventStreamClient(port, path, auth));
    await waitFor('every stream caught up', () => clients.every((client) => client.of('status').length === 1));

    const refused = await t.http.get(path).set(auth);
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({ error: expect.stringContaining('too many open event streams') });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);

    const openNow = async (): Promise<string> =>
      /^hookdeploy_event_streams_open (\d+)$/m.exec((await app.http.get('/metrics')).text)?.[1] ?? '';
    expect(await openNow()).toBe(String(MAX_EVENT_STREAMS));

    // Streams that end free their places.
    await writeFile(release, '');
    await Promise.all(clients.map((client) => client.ended));
    expect(clients.every((client) => client.of('status').at(-1)?.status === 'succeeded')).toBe(true);
    expect(await openNow()).toBe('0');
    const after = new EventStreamClient(port, path, auth);
    await after.ended;
    expect(after.status).toBe(200);
    expect(after.of('status').at(-1)).toMatchObject({ status: 'succeeded' });
  }, 60_000);
});
