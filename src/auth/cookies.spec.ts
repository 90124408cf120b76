import { describe, expect, it } from '@jest/globals';
import { CSRF_COOKIE, readCookie, SESSION_COOKIE } from './cookies.js';

describe('readCookie', () => {
  it('names the dashboard cookies', () => {
    expect([SESSION_COOKIE, CSRF_COOKIE]).toEqual(['hookdeploy_session', 'hookdeploy_csrf']);
  });

  it.each<[string, string | undefined, string, string | undefined]>([
    ['no Cookie header', undefined, 'a', undefined],
    ['an empty header', '', 'a', undefined],
    ['a blank header', '  ', 'a', undefined],
    ['the only cookie', 'a=1', 'a', '1'],
    ['the first of several', 'a=1; b=2; c=3', 'a', '1'],
    ['the middle of several', 'a=1; b=2; c=3', 'b', '2'],
    ['the last of several', 'a=1; b=2; c=3', 'c', '3'],
    ['an absent name among several', 'a=1; b=2', 'c', undefined],
    ['no spaces after the separators', 'a=1;b=2;c=3', 'b', '2'],
    ['extra spaces around names and values', '  a = 1 ;   b =  2  ', 'b', '2'],
    ['a value containing =', 'a=1; b=x=y==; c=3', 'b', 'x=y=='],
    ['an empty value', 'a=; b=2', 'a', ''],
    ['a name that is a prefix of another, asked first', 'session_x=long; session=short', 'session', 'short'],
    ['a name that is a prefix of another, absent', 'session_x=long', 'session', undefined],
    ['a name that is a suffix of another', 'my_session=other; session=mine', 'session', 'mine'],
    ['a longer name when the prefix comes first', 'session=short; session_x=long', 'session_x', 'long'],
    ['a name that appears as a value only', 'a=session; b=2', 'session', undefined],
    ['a pair without =', 'session; b=2', 'session', undefined],
    ['a pair with an empty name', '=session; b=2', '', undefined],
    ['a repeated name: the first wins', 'a=1; a=2', 'a', '1'],
    ['names compared case-sensitively', 'A=1; a=2', 'a', '2'],
    ['a trailing separator', 'a=1; b=2;', 'b', '2'],
    ['a session value', 'hookdeploy_csrf=c-1; hookdeploy_session=123.n-_.m', SESSION_COOKIE, '123.n-_.m'],
  ])('reads %s', (_name, header, name, value) => {
    expect(readCookie(header, name)).toBe(value);
  });
});
