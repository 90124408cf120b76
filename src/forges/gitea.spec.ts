import { describe, expect, it } from '@jest/globals';
import { signedDelivery } from '../../test/fixtures/forge-deliveries.js';
import { decide } from './decide.js';
import { forgejo, gitea } from './gitea.js';

const SECRET = 'gitea-secret';
const NOW = new Date();

describe.each([
  ['gitea', gitea, 'x-gitea'],
  ['forgejo', forgejo, 'x-forgejo'],
] as const)('the %s adapter', (forge, adapter, prefix) => {
  const delivery = () => signedDelivery(forge, 'push', { secret: SECRET, id: 'uuid-1' });

  it(`reads ${prefix}-event, else X-GitHub-Event`, () => {
    const { headers } = delivery();
    headers[`${prefix}-event`] = 'push';
    headers['x-github-event'] = 'issues';
    expect(adapter.event(headers)).toBe('push');
    delete headers[`${prefix}-event`];
    expect(adapter.event(headers)).toBe('issues');
  });

  it(`reads ${prefix}-delivery, else X-GitHub-Delivery`, () => {
    const { headers } = delivery();
    headers['x-github-delivery'] = 'uuid-github';
    expect(adapter.deliveryId(headers)).toBe('uuid-1');
    delete headers[`${prefix}-delivery`];
    expect(adapter.deliveryId(headers)).toBe('uuid-github');
  });

  it(`falls back to X-Hub-Signature-256 when ${prefix}-signature is missing`, () => {
    const { headers, body } = delivery();
    delete headers[`${prefix}-signature`];
    expect(adapter.verify(headers, body, [SECRET], NOW)).toEqual({ valid: true, secretIndex: 0 });
    headers['x-hub-signature-256'] = `sha256=${'0'.repeat(64)}`;
    expect(adapter.verify(headers, body, [SECRET], NOW).valid).toBe(false);
  });

  it(`lets ${prefix}-signature decide when present: a right X-Hub-Signature-256 does not rescue a wrong one`, () => {
    const { headers, body } = delivery();
    headers[`${prefix}-signature`] = '0'.repeat(64);
    expect(adapter.verify(headers, body, [SECRET], NOW)).toEqual({
      valid: false,
      reason: expect.stringMatching(/Signature does not match the body/),
    });
  });

  it('refuses a delivery from a forge with no secret set (its signature headers empty)', () => {
    const { headers, body } = delivery();
    for (const name of Object.keys(headers)) if (/signature/.test(name)) headers[name] = '';
    headers['x-hub-signature-256'] = 'sha256=';
    expect(adapter.verify(headers, body, [SECRET], NOW)).toEqual({
      valid: false,
      reason: expect.stringMatching(/malformed/),
    });
  });

  it.each([
    ['a sha256= prefix', (hex: string) => `sha256=${hex}`],
    ['an odd length', (hex: string) => hex.slice(1)],
    ['a SHA-1 length', (hex: string) => hex.slice(0, 40)],
    ['non-hex digits', (hex: string) => `${hex.slice(1)}g`],
  ])(`answers a ${prefix}-signature with %s as malformed`, (_name, mangle) => {
    const { headers, body } = delivery();
    headers[`${prefix}-signature`] = mangle(headers[`${prefix}-signature`]!);
    expect(adapter.verify(headers, body, [SECRET], NOW)).toEqual({
      valid: false,
      reason: expect.stringMatching(/^malformed/),
    });
  });

  it('answers the "Test delivery" button (before == after) with a pong, whatever the branch', () => {
    const { body } = signedDelivery(forge, 'test', { secret: SECRET, branch: 'anything' });
    expect(
      decide(adapter.normalize('push', JSON.parse(body.toString('utf8'))), { branch: 'main', repository: undefined }),
    ).toEqual({
      kind: 'pong',
    });
  });

  it('deploys the branch creation Gitea sent in its real payload (before all zeros)', () => {
    const { body } = signedDelivery(forge, 'push', { secret: SECRET });
    const event = adapter.normalize('push', JSON.parse(body.toString('utf8')));
    expect(decide(event, { branch: 'master', repository: 'example/example' })).toMatchObject({
      kind: 'deploy',
      push: { before: '0'.repeat(40), after: '67b56589a45103f891bdee7c0546e5d40bc02001' },
    });
  });

  it('reads a SHA-256 repository deletion (64 zeros) as a deletion', () => {
    const { body } = signedDelivery(forge, 'push', { secret: SECRET, branch: 'main', after: 'b'.repeat(64) });
    const payload = { ...JSON.parse(body.toString('utf8')), after: '0'.repeat(64) };
    expect(decide(adapter.normalize('push', payload), { branch: 'main', repository: undefined })).toEqual({
      kind: 'ignored',
      reason: 'refs/heads/main was deleted',
    });
  });
});
