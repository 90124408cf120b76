import { expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { expectIgnored, type ForgeQuirks, type ForgeRun } from './forge-contract.js';

/**
 * Gitea and Forgejo send their own headers and GitHub's copies (Forgejo Gitea's too): the
 * product's signature decides when present, else X-Hub-Signature-256; the product's event
 * header, else X-GitHub-Event.
 */
export function giteaLikeQuirks(products: readonly string[]): ForgeQuirks {
  return { rows: (run) => rows(run, products) };
}

function rows(run: ForgeRun, products: readonly string[]): void {
  const { site } = run;
  it("takes GitHub's X-Hub-Signature-256 when the forge's own signature is missing", async () => {
    await expectIgnored(run.service, site, 'X-Hub-Signature-256 alone', (id) => {
      const delivery = run.service.delivery(site, 'other-branch', { id });
      for (const product of [...products, 'gogs']) delete delivery.headers[`x-${product}-signature`];
      return run.service.post(site, delivery);
    });
  });

  it(`lets X-${products[0]}-Signature decide when sent: a wrong one is 401 beside a right X-Hub-Signature-256`, async () => {
    const delivery = run.service.delivery(site, 'other-branch');
    delivery.headers[`x-${products[0]}-signature`] = createHmac('sha256', 'not-the-secret')
      .update(delivery.body)
      .digest('hex');
    expect((await run.service.post(site, delivery)).status).toBe(401);
  });

  it("reads the event from X-GitHub-Event when the forge's own event headers are missing", async () => {
    const reason = await expectIgnored(run.service, site, 'X-GitHub-Event alone', (id) => {
      const delivery = run.service.delivery(site, 'other-branch', { id });
      for (const name of Object.keys(delivery.headers)) {
        if (/^x-(gitea|forgejo|gogs)-event/.test(name)) delete delivery.headers[name];
      }
      return run.service.post(site, delivery);
    });
    // Read as a push (to another branch), not as an unknown event.
    expect(reason).toContain('refs/heads/main-other');
  });

  it('answers the test delivery (before == after) pong whatever commit it names', async () => {
    const sha = await run.service.commitAndPush(site);
    const response = await run.service.deliver(site, 'test', { after: sha });
    expect({ status: response.status, body: await response.json() }).toEqual({ status: 200, body: { status: 'pong' } });
  });
}
