import { describe, expect, it } from '@jest/globals';
import { csrfTokenFor, isValidSession, issueSession, SESSION_TTL_MS } from './session-token.js';

const TOKEN = 'admin-token-5e6f7a';
const NOW = Date.UTC(2030, 0, 2, 3, 4, 5);

/** `session` with its `part`-th dot-separated part (0 expiry, 1 nonce, 2 mac) replaced. */
function withPart(session: string, part: number, replace: (value: string) => string): string {
  const parts = session.split('.');
  parts[part] = replace(parts[part]!);
  return parts.join('.');
}

/** Changes the first character: every bit of it counts, unlike the last one of base64url. */
const flipFirst = (value: string): string => (value[0] === 'A' ? 'B' : 'A') + value.slice(1);

describe('session tokens', () => {
  it('issues a session of the form <expires ms>.<nonce>.<mac> that lasts SESSION_TTL_MS', () => {
    const session = issueSession(TOKEN, NOW);
    expect(session).toMatch(/^\d+\.[\w-]+\.[\w-]{43}$/);
    expect(Number(session.split('.')[0])).toBe(NOW + SESSION_TTL_MS);
    expect(SESSION_TTL_MS).toBe(12 * 60 * 60 * 1000);
  });

  it('accepts a session it issued until it expires, and not from then on', () => {
    const session = issueSession(TOKEN, NOW);
    expect(isValidSession(TOKEN, session, NOW)).toBe(true);
    expect(isValidSession(TOKEN, session, NOW + SESSION_TTL_MS - 1)).toBe(true);
    expect(isValidSession(TOKEN, session, NOW + SESSION_TTL_MS)).toBe(false);
    expect(isValidSession(TOKEN, session, NOW + 2 * SESSION_TTL_MS)).toBe(false);
  });

  it('accepts a fresh session at the current time by default', () => {
    expect(isValidSession(TOKEN, issueSession(TOKEN))).toBe(true);
    expect(isValidSession(TOKEN, issueSession(TOKEN, Date.now() - SESSION_TTL_MS - 1000))).toBe(false);
  });

  it('issues a different session each time, even at the same moment', () => {
    const sessions = new Set(Array.from({ length: 20 }, () => issueSession(TOKEN, NOW)));
    expect(sessions.size).toBe(20);
  });

  it.each<[string, (session: string) => string]>([
    ['a changed mac', (s) => withPart(s, 2, flipFirst)],
    ['a mac of the wrong length', (s) => withPart(s, 2, (mac) => mac.slice(1))],
    ['a changed nonce', (s) => withPart(s, 1, flipFirst)],
    ['a longer nonce', (s) => withPart(s, 1, (nonce) => `${nonce}A`)],
    ['a later expiry', (s) => withPart(s, 0, (expires) => String(Number(expires) + 1))],
    ['a far-future expiry', (s) => withPart(s, 0, () => '999999999999999')],
    ['an expiry with a leading zero', (s) => withPart(s, 0, (expires) => `0${expires}`)],
    [
      'the nonce and mac swapped',
      (s) =>
        withPart(
          withPart(s, 1, () => s.split('.')[2]!),
          2,
          () => s.split('.')[1]!,
        ),
    ],
    ['a trailing newline', (s) => `${s}\n`],
    ['a leading space', (s) => ` ${s}`],
  ])('refuses a session with %s', (_name, tamper) => {
    const session = issueSession(TOKEN, NOW);
    const tampered = tamper(session);
    expect(tampered).not.toBe(session);
    expect(isValidSession(TOKEN, tampered, NOW)).toBe(false);
  });

  it.each(['admin-token-5e6f7b', `${TOKEN}x`, TOKEN.slice(0, -1), TOKEN.toUpperCase()])(
    'refuses a session issued for another ADMIN_TOKEN (%j)',
    (other) => {
      expect(isValidSession(other, issueSession(TOKEN, NOW), NOW)).toBe(false);
      expect(isValidSession(TOKEN, issueSession(other, NOW), NOW)).toBe(false);
    },
  );

  it.each([
    ['empty', ''],
    ['one part', '1234'],
    ['two parts', '1234.abc'],
    ['empty parts', '..'],
    ['too many dots', 'x.y.z.w'],
    ['a dot too many at the end', `${'1'.repeat(13)}.nonce.${'a'.repeat(43)}.`],
    ['a huge expiry', `${'9'.repeat(400)}.nonce.${'a'.repeat(43)}`],
    ['an expiry of 16 digits', `${'9'.repeat(16)}.nonce.${'a'.repeat(43)}`],
    ['a negative expiry', `-1.nonce.${'a'.repeat(43)}`],
    ['an exponent expiry', `1e20.nonce.${'a'.repeat(43)}`],
    ['a huge nonce', `${NOW + 1000}.${'n'.repeat(100_000)}.${'a'.repeat(43)}`],
    ['a base64 (not url) mac', `${NOW + 1000}.nonce.${'+/'.repeat(21)}=`],
    ['not ASCII', `${NOW + 1000}.nönce.${'a'.repeat(43)}`],
    ['the admin token itself', TOKEN],
  ])('refuses a malformed session (%s) without throwing', (_name, session) => {
    expect(() => isValidSession(TOKEN, session, NOW)).not.toThrow();
    expect(isValidSession(TOKEN, session, NOW)).toBe(false);
  });

  it('derives a CSRF token per session and per ADMIN_TOKEN, the same every time', () => {
    const first = issueSession(TOKEN, NOW);
    const second = issueSession(TOKEN, NOW);
    const csrf = csrfTokenFor(TOKEN, first);
    expect(csrf).toMatch(/^[\w-]{43}$/);
    expect(csrfTokenFor(TOKEN, first)).toBe(csrf);
    expect(csrfTokenFor(TOKEN, second)).not.toBe(csrf);
    expect(csrfTokenFor('another-admin-token', first)).not.toBe(csrf);
    expect(first).not.toContain(csrf);
  });

  it('never puts the admin token into a session or a CSRF token', () => {
    const session = issueSession(TOKEN, NOW);
    expect(session).not.toContain(TOKEN);
    expect(csrfTokenFor(TOKEN, session)).not.toContain(TOKEN);
    expect(isValidSession(TOKEN, csrfTokenFor(TOKEN, session), NOW)).toBe(false);
  });
});
