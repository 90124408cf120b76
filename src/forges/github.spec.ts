import { describe, expect, it } from '@jest/globals';
import { github } from './github.js';
import { sign } from './github-signature.js';

const SECRET = 'github-adapter-secret';
const BODY = Buffer.from('{"ref":"refs/heads/main"}');
const NOW = new Date();

describe('the github adapter', () => {
  it('refuses an X-Hub-Signature-256 that is sent but empty, even beside a right X-Hub-Signature', () => {
    // Present but blank is malformed, not absent: the weaker SHA-1 header must not decide.
    const headers = { 'x-hub-signature-256': '', 'x-hub-signature': sign(SECRET, BODY, 'sha1') };
    expect(github.verify(headers, BODY, [SECRET], NOW)).toEqual({
      valid: false,
      reason: expect.stringMatching(/malformed X-Hub-Signature-256/),
    });
  });

  it('lets the SHA-1 header decide only when X-Hub-Signature-256 is not sent at all', () => {
    expect(github.verify({ 'x-hub-signature': sign(SECRET, BODY, 'sha1') }, BODY, [SECRET], NOW)).toEqual({
      valid: true,
      secretIndex: 0,
    });
  });
});
