import { PING_EXAMPLE, signedDelivery } from '../../test/fixtures/deliveries.js';
import { AdnanhWebhook } from '../baselines/adnanh-webhook.js';
import { deliver } from '../lib/deliver.js';
import { tipReaches } from '../lib/git-probe.js';
import { BenchService, SECRET } from '../lib/service.js';
import { median, round, until } from '../lib/stats.js';

const ROUNDS = 15;

/**
 * Issue 12's answer times, each delivery on its own new connection from the same client:
 * a signed push (request sent → the whole `202` read), a signed ping just before it (the
 * cost of the request path without the queue and the deploy), and the same signed push
 * to adnanh/webhook 2.8.0 run side by side. The three alternate within each round, so
 * that the machine's load hits them alike; each round waits until the push's deployment
 * finished, as pushes come apart.
 */
export async function answer(service: BenchService): Promise<Record<string, number>> {
  const webhook = await AdnanhWebhook.start(SECRET);
  try {
    const ping = (): Promise<number> =>
      service.deliver(signedDelivery(PING_EXAMPLE, { event: 'ping', secret: SECRET }), 200);
    // One of each first: no figure pays for a cold start (JIT, the first git, the first connection).
    await roundTrip(service, webhook, ping, 'answer warm-up');
    const pushMs: number[] = [];
    const pingMs: number[] = [];
    const webhookMs: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const result = await roundTrip(service, webhook, ping, `answer ${round}`);
      pushMs.push(result.pushMs);
      pingMs.push(result.pingMs);
      webhookMs.push(result.webhookMs);
    }
    const push = median(pushMs);
    return {
      answerPushMs: round(push, 2),
      answerPingMs: round(median(pingMs), 2),
      answerPushOverPingMs: round(push - median(pingMs), 2),
      answerWebhookMs: round(median(webhookMs), 2),
      answerPushOverWebhook: round(push / median(webhookMs), 2),
    };
  } finally {
    await webhook.stop();
  }
}

async function roundTrip(
  service: BenchService,
  webhook: AdnanhWebhook,
  ping: () => Promise<number>,
  message: string,
): Promise<{ pushMs: number; pingMs: number; webhookMs: number }> {
  const sha = await service.fixture.commitAndPush(message);
  const delivery = BenchService.pushFor(sha);
  const webhookMs = await deliver(webhook.url, delivery);
  const pingMs = await ping();
  const pushMs = await service.deliver(delivery);
  await tipReaches(service.fixture.deploy, service.fixture.branch, sha, 30_000);
  await until(async () => (await service.deployments()).every((d) => d.status === 'succeeded'), 30_000);
  await new Promise((done) => setTimeout(done, 100));
  return { pushMs, pingMs, webhookMs };
}
