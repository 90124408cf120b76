import { createHmac } from 'node:crypto';
import type { ForgeName } from '../domain/forge-name.js';
import { isZeroCommit } from '../domain/push.js';
import type { ForgeAdapter } from './forge.js';
import { githubStylePush, verifyGithubSignature } from './github.js';
import { at, header } from './read.js';
import { firstMatch, sameBytes } from './secrets.js';

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

/**
 * Gitea and Forgejo send their own headers and GitHub's copies (Forgejo sends Gitea's
 * too): services/webhook/deliver.go (Gitea), services/webhook/shared/payloader.go
 * (Forgejo). Their own signature is the bare hex HMAC-SHA256 of the body; an empty one
 * (no secret set in the forge) falls through to X-Hub-Signature-256, which then fails.
 */
function giteaLike(name: ForgeName, product: 'Gitea' | 'Forgejo'): ForgeAdapter {
  const prefix = `x-${product.toLowerCase()}`;
  const signatureHeader = `X-${product}-Signature`;
  return {
    name,
    eventHeader: `X-${product}-Event`,
    deliveryIdHeader: `X-${product}-Delivery`,
    pushEvent: 'push',
    verify(headers, rawBody, secrets) {
      const signature = header(headers, `${prefix}-signature`);
      if (signature === undefined) return verifyGithubSignature(headers, rawBody, secrets);
      if (!HEX_SHA256.test(signature)) {
        return { valid: false, reason: `malformed ${signatureHeader}: expected 64 hex digits` };
      }
      const received = Buffer.from(signature, 'hex');
      return firstMatch(secrets, (secret) =>
        sameBytes(createHmac('sha256', secret).update(rawBody).digest(), received)
          ? true
          : `${signatureHeader} does not match the body`,
      );
    },
    event: (headers) => header(headers, `${prefix}-event`) ?? header(headers, 'x-github-event'),
    deliveryId: (headers) => header(headers, `${prefix}-delivery`) ?? header(headers, 'x-github-delivery'),
    normalize(event, payload) {
      if (event !== 'push') return { kind: 'ignored', reason: `event "${event}" does not deploy` };
      const before = at(payload, 'before');
      const after = at(payload, 'after');
      // The "Test delivery" button sends the default branch's head as both before and
      // after (routers/web/repo/setting/webhook.go, TestWebhook): nothing moved.
      if (typeof after === 'string' && after !== '' && before === after) return { kind: 'ping' };
      return githubStylePush(payload, isZeroCommit(after));
    },
  };
}

export const gitea = giteaLike('gitea', 'Gitea');
export const forgejo = giteaLike('forgejo', 'Forgejo');
