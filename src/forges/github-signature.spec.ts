import { describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { sign, verifySignature, type SignatureHeaders } from './github-signature.js';

// GitHub's documented test vector (docs: "Validating webhook deliveries").
const SECRET = "It's a Secret to Everybody";
const BODY = Buffer.from('Hello, World!');
const GITHUB_SHA256 = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
const SHA1 = `sha1=${createHmac('sha1', SECRET).update(BODY).digest('hex')}`;
const SHA256_HEX = GITHUB_SHA256.slice('sha256='.length);

describe('verifySignature', () => {
  it.each<[string, SignatureHeaders, 'sha256' | 'sha1']>([
    ["GitHub's documented sha256 vector", { sha256: GITHUB_SHA256 }, 'sha256'],
    ['uppercase hex', { sha256: `sha256=${SHA256_HEX.toUpperCase()}` }, 'sha256'],
    ['a correct sha1 header alone', { sha1: SHA1 }, 'sha1'],
    ['a correct sha256 next to a wrong sha1', { sha256: GITHUB_SHA256, sha1: `sha1=${'0'.repeat(40)}` }, 'sha256'],
  ])('accepts %s', (_name, headers, algorithm) => {
    expect(verifySignature(SECRET, BODY, headers)).toEqual({ valid: true, algorithm });
  });

  const wrongSha256 = `sha256=${'0'.repeat(64)}`;
  it.each<[string, SignatureHeaders, Buffer?, string?]>([
    ['no signature header', {}],
    ['a header without "="', { sha256: SHA256_HEX }],
    ['sha512= in the sha256 header', { sha256: `sha512=${SHA256_HEX}` }],
    ['sha1= in the sha256 header', { sha256: SHA1 }],
    ['sha256= in the sha1 header', { sha1: GITHUB_SHA256 }],
    ['an odd-length hex digest', { sha256: GITHUB_SHA256.slice(0, -1) }],
    ['a digest one byte too long', { sha256: `${GITHUB_SHA256}00` }],
    ['a digest of the wrong length', { sha256: `sha256=${SHA256_HEX.slice(0, 40)}` }],
    ['non-hex digits', { sha256: `sha256=${SHA256_HEX.slice(0, -1)}g` }],
    ['an empty digest', { sha256: 'sha256=' }],
    ['a wrong secret', { sha256: GITHUB_SHA256 }, BODY, 'another secret'],
    ['a body changed by one byte', { sha256: GITHUB_SHA256 }, Buffer.from('Hello, World?')],
    ['a wrong sha1 header alone', { sha1: `sha1=${'0'.repeat(40)}` }],
    ['a wrong sha256 next to a correct sha1 (sha256 decides)', { sha256: wrongSha256, sha1: SHA1 }],
    ['a malformed sha256 next to a correct sha1', { sha256: 'garbage', sha1: SHA1 }],
  ])(
    'rejects %s without revealing the expected digest or the secret',
    (_name, headers, body = BODY, secret = SECRET) => {
      const result = verifySignature(secret, body, headers);
      expect(result.valid).toBe(false);
      if (result.valid) return;
      expect(result.reason).not.toBe('');
      for (const algorithm of ['sha256', 'sha1'] as const) {
        const expected = createHmac(algorithm, secret).update(body).digest('hex');
        expect(result.reason.toLowerCase()).not.toContain(expected);
      }
      expect(result.reason).not.toContain(secret);
    },
  );
});

describe('sign', () => {
  it("reproduces GitHub's documented sha256 vector", () => {
    expect(sign(SECRET, 'Hello, World!')).toBe(GITHUB_SHA256);
  });

  it.each(['sha256', 'sha1'] as const)('produces a %s header that verifySignature accepts', (algorithm) => {
    const body = Buffer.from('{"zen":"Design for failure."}');
    const headers: SignatureHeaders = { [algorithm]: sign(SECRET, body, algorithm) };
    expect(verifySignature(SECRET, body, headers)).toEqual({ valid: true, algorithm });
  });
});
