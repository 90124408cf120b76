import { afterEach, describe, expect, it } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from '../../src/storage/open-database.js';
import { DATABASE } from '../../src/storage/storage.module.js';
import { waitFor } from '../fixtures/wait.js';
import { TestApp } from '../fixtures/test-app.js';
import { ActivityStore } from '../../src/storage/activity.store.js';

/** SQLite's default max_page_count. */
const UNLIMITED_PAGES = 0xfffffffe;

/** `hookdeploy_deployments_running` as /metrics says it. */
async function runningGauge(t: TestApp): Promise<string | undefined> {
  const res = await t.http.get('/metrics');
  return /^hookdeploy_deployments_running{target="default"} (\S+)$/m.exec(res.text)?.[1];
}

describe('the outcome of a deployment when the disk is full at its end', () => {
  let t: TestApp;
  let db: Db | undefined;
  let closed = false;
  afterEach(async () => {
    delete process.env.RELEASE_FILE;
    // Room again, should the test have failed before it gave it back.
    db?.pragma(`max_page_count = ${UNLIMITED_PAGES}`);
    if (closed) await t.fixture.remove();
    else await t?.close();
  });

  it('is recorded once the disk has room again, and only then logged as succeeded', async () => {
    // Holds the deploy until the test has filled the "disk", then writes 64 KiB of
    // output: the final save of the log needs new pages, which the database refuses.
    const command = 'while [ ! -e "$RELEASE_FILE" ]; do sleep 0.05; done; head -c 65536 /dev/zero | tr "\\0" x';
    t = await TestApp.start({ env: { DEPLOY_COMMAND: command } });
    process.env.RELEASE_FILE = join(t.fixture.root, 'release');
    db = t.app.get<Db>(DATABASE);

    const sha = await t.fixture.commitAndPush('deployed while the disk fills up');
    const res = await t.deliverPush({ after: sha });
    expect(res.status).toBe(202);
    const id = res.body.deploymentId as number;
    await waitFor('the deploy command runs', async () => (await t.fixture.deployHead()) === sha);
    await waitFor('the command is recorded as running', () => t.app.get(ActivityStore).get(id)?.phase === 'command');

    // SQLite's own "disk full": no page beyond those the file has now.
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    await writeFile(process.env.RELEASE_FILE, '');
    await waitFor('the final write failed', () => t.logs.lines.some((line) => /database or disk is full/.test(line)));
    expect(t.store.get(id)).toMatchObject({ status: 'running', finishedAt: null });
    expect(t.logs.lines.some((line) => /: succeeded/.test(line))).toBe(false);

    db.pragma(`max_page_count = ${UNLIMITED_PAGES}`);
    const deployment = await t.settled(id);
    expect(deployment).toMatchObject({ status: 'succeeded', headAfter: sha, error: null });
    expect(deployment.finishedAt).toEqual(expect.any(String));
    expect(deployment.log).toContain('x'.repeat(1000));
    expect(t.app.get(ActivityStore).get(id)).toBeUndefined();
    expect(await runningGauge(t)).toBe('0');

    // One outcome in the log, after the failed attempt, and no "failed" line for it.
    const lines = t.logs.lines;
    const full = lines.findIndex((line) => /database or disk is full/.test(line));
    const succeeded = lines.findIndex((line) => new RegExp(`deployment ${id} .*: succeeded`).test(line));
    expect(succeeded).toBeGreaterThan(full);
    expect(lines.filter((line) => /: succeeded/.test(line))).toHaveLength(1);
    expect(lines.some((line) => new RegExp(`deployment ${id} .*: failed`).test(line))).toBe(false);
  }, 30_000);

  it('does not hold up a shutdown while the disk stays full: the outcome is left to the recovery', async () => {
    t = await TestApp.start({ env: { DEPLOY_COMMAND: 'head -c 65536 /dev/zero | tr "\\0" x' } });
    db = t.app.get<Db>(DATABASE);
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    const sha = await t.fixture.commitAndPush('deployed on a full disk');
    const res = await t.deliverPush({ after: sha });
    // Accepted before the log needs room; the outcome then cannot be written.
    expect(res.status).toBe(202);
    await waitFor('the final write failed', () =>
      t.logs.lines.some((line) => /could not record its outcome/.test(line)),
    );

    const closing = t.app.close().then(() => 'closed');
    const bound = new Promise((resolve) => setTimeout(resolve, 15_000, 'still open').unref());
    expect(await Promise.race([closing, bound])).toBe('closed');
    expect(t.logs.lines).toContainEqual(
      expect.stringMatching(
        /its outcome \(succeeded\) never reached the database: .*the next start marks it interrupted/,
      ),
    );
    expect(t.logs.lines.some((line) => /: succeeded/.test(line))).toBe(false);
    closed = true;
    db = undefined;
  }, 30_000);
});
