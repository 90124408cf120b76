import { describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { FORGE_NAMES, type ForgeName } from '../domain/forge-name.js';
import {
  SAME_SIGNATURE,
  TEST_DELIVERY_ANSWER,
  fixtureDefaults,
  signedDelivery,
  type DeliveryKind,
} from '../../test/fixtures/forge-deliveries.js';
import { decide } from './decide.js';
import { FORGES, forgeAdapter } from './forges.js';

const SECRET = 'It is a secret to everybody';
const OLD_SECRET = 'the secret before the rotation';
const NOW = new Date();
const SHA = 'c0ffee'.padEnd(40, '1');

/** Verifies, reads and decides a delivery the way POST /hooks/:id will. */
function receive(
  forge: ForgeName,
  kind: DeliveryKind,
  target: { branch: string; repository: string } = fixtureDefaults(forge),
  secrets = [SECRET],
) {
  const adapter = forgeAdapter(forge);
  const { headers, body } = signedDelivery(forge, kind, { secret: SECRET, ...target, after: SHA });
  const verification = adapter.verify(headers, body, secrets, NOW);
  const event = adapter.event(headers);
  if (event === undefined) throw new Error(`${forge} delivery without an event header`);
  const decision = decide(adapter.normalize(event, JSON.parse(body.toString('utf8'))), target);
  return { verification, event, decision };
}

describe.each(FORGE_NAMES)('the %s adapter', (forge) => {
  const adapter = FORGES[forge];
  const defaults = fixtureDefaults(forge);
  const site = { branch: 'main', repository: forge === 'bitbucket-server' ? 'SITE/web' : 'octo/site' };

  it('is registered under its own name', () => {
    expect(adapter.name).toBe(forge);
  });

  it("deploys the forge's real published push, verified over its exact bytes", () => {
    const { headers, body } = signedDelivery(forge, 'push', { secret: SECRET });
    expect(adapter.verify(headers, body, [SECRET], NOW)).toEqual({ valid: true, secretIndex: 0 });
    const event = adapter.normalize(adapter.event(headers)!, JSON.parse(body.toString('utf8')));
    expect(decide(event, defaults)).toMatchObject({ kind: 'deploy', push: { after: defaults.after } });
  });

  it('deploys a push to the target branch and repository with the pushed commit', () => {
    const { verification, decision } = receive(forge, 'push', site);
    expect(verification).toEqual({ valid: true, secretIndex: 0 });
    expect(decision).toEqual({
      kind: 'deploy',
      push: { ref: 'refs/heads/main', before: 'a'.repeat(40), after: SHA, repository: site.repository },
    });
  });

  it('deploys when the repository differs only in case', () => {
    const shouted = { ...site, repository: site.repository.toUpperCase() };
    expect(decide(forgeAdapterDecisionInput(forge, site), shouted).kind).toBe('deploy');
  });

  it.each<[DeliveryKind, string]>([
    ['deletion', 'refs/heads/main was deleted'],
    ['tag', 'tag push refs/tags/'],
    ['other-branch', 'push to refs/heads/main-other, deploying refs/heads/main'],
    ['other-repository', `push to ${site.repository}-other, deploying ${site.repository}`],
  ])('ignores a %s with a reason', (kind, reason) => {
    const { verification, decision } = receive(forge, kind, site);
    expect(verification.valid).toBe(true);
    expect(decision).toEqual({ kind: 'ignored', reason: expect.stringContaining(reason) });
  });

  it('ignores another event, naming it', () => {
    const { verification, event, decision } = receive(forge, 'other-event', site);
    expect(verification.valid).toBe(true);
    expect(decision).toEqual({ kind: 'ignored', reason: `event "${event}" does not deploy` });
  });

  const testAnswer = TEST_DELIVERY_ANSWER[forge];
  if (testAnswer === undefined) {
    it('has no test delivery to answer', () => {
      expect(() => signedDelivery(forge, 'test', { secret: SECRET })).toThrow('no test delivery');
    });
  } else {
    it(`answers the forge's test delivery with ${testAnswer === 'pong' ? 'pong' : 'a deploy (it is a real push)'}`, () => {
      const { verification, decision } = receive(forge, 'test', site);
      expect(verification.valid).toBe(true);
      expect(decision.kind).toBe(testAnswer === 'pong' ? 'pong' : 'deploy');
    });
  }

  it('refuses a delivery signed with another secret, revealing neither secret nor digest', () => {
    const { headers, body } = signedDelivery(forge, 'push', { secret: 'not the secret' });
    const result = adapter.verify(headers, body, [SECRET], NOW);
    expect(result).toEqual({ valid: false, reason: expect.any(String) });
    if (result.valid) return;
    expect(result.reason).not.toContain(SECRET);
    expect(result.reason).not.toContain('not the secret');
    for (const encoding of ['hex', 'base64'] as const) {
      expect(result.reason).not.toContain(createHmac('sha256', SECRET).update(body).digest(encoding));
    }
  });

  it('accepts the old secret during a rotation and says it was the second one', () => {
    const { headers, body } = signedDelivery(forge, 'push', { secret: OLD_SECRET });
    expect(adapter.verify(headers, body, [SECRET, OLD_SECRET], NOW)).toEqual({ valid: true, secretIndex: 1 });
  });

  it('prefers the first secret when both match', () => {
    const { headers, body } = signedDelivery(forge, 'push', { secret: SECRET });
    expect(adapter.verify(headers, body, [SECRET, SECRET], NOW)).toEqual({ valid: true, secretIndex: 0 });
  });

  it('refuses every delivery when no secret is configured', () => {
    const { headers, body } = signedDelivery(forge, 'push', { secret: SECRET });
    expect(adapter.verify(headers, body, [], NOW).valid).toBe(false);
  });

  // GitLab's X-Gitlab-Token does not sign the body (gitlab.spec.ts covers its signed mode).
  (forge === 'gitlab' ? it.skip : it)('refuses a body changed after signing', () => {
    const { headers, body } = signedDelivery(forge, 'push', { secret: SECRET });
    const changed = Buffer.from(body.toString('utf8').replace(defaults.after, SHA));
    expect(adapter.verify(headers, changed, [SECRET], NOW).valid).toBe(false);
  });

  it('reads the delivery id the forge sends, for deduplication', () => {
    const { headers } = signedDelivery(forge, 'push', { secret: SECRET, id: 'delivery-42' });
    expect(adapter.deliveryId(headers)).toBe('delivery-42');
  });

  it('finds no event without its event header', () => {
    const { headers } = signedDelivery(forge, 'push', { secret: SECRET });
    const eventHeaders = Object.keys(headers).filter((name) => /-event(-key)?$/.test(name));
    expect(eventHeaders).toContain(adapter.eventHeader.toLowerCase());
    for (const name of eventHeaders) delete headers[name];
    expect(adapter.event(headers)).toBeUndefined();
  });

  it('finds no delivery id without its headers', () => {
    expect(adapter.deliveryId({})).toBeUndefined();
  });
});

const PAIRS = FORGE_NAMES.flatMap((from) => FORGE_NAMES.filter((to) => to !== from).map((to) => [from, to] as const));

describe.each(PAIRS.filter(([from, to]) => !SAME_SIGNATURE.has(`${from}→${to}`)))(
  "%s's delivery sent to a %s target",
  (from, to) => {
    it('is not authentic, even signed with the right secret', () => {
      const { headers, body } = signedDelivery(from, 'push', { secret: SECRET });
      expect(forgeAdapter(to).verify(headers, body, [SECRET], NOW).valid).toBe(false);
    });
  },
);

describe.each(PAIRS.filter(([from, to]) => SAME_SIGNATURE.has(`${from}→${to}`)))(
  "%s's delivery sent to a %s target",
  (from, to) => {
    it('is authentic only with the right secret (the forge signs the way this one does)', () => {
      const { headers, body } = signedDelivery(from, 'push', { secret: SECRET });
      expect(forgeAdapter(to).verify(headers, body, [SECRET], NOW).valid).toBe(true);
      expect(forgeAdapter(to).verify(headers, body, ['another secret'], NOW).valid).toBe(false);
    });
  },
);

function forgeAdapterDecisionInput(forge: ForgeName, target: { branch: string; repository: string }) {
  const { headers, body } = signedDelivery(forge, 'push', { secret: SECRET, ...target, after: SHA });
  const adapter = forgeAdapter(forge);
  return adapter.normalize(adapter.event(headers)!, JSON.parse(body.toString('utf8')));
}
