import { describe, expect, it } from '@jest/globals';
import { constantTimeEqual } from './constant-time-equal.js';

describe('constantTimeEqual', () => {
  it.each<[boolean, string, string, string]>([
    [true, 'equal strings', 's3cret-token', 's3cret-token'],
    [true, 'two empty strings', '', ''],
    [false, 'strings differing in the last character', 's3cret-token', 's3cret-tokem'],
    [false, 'strings differing only in case', 'Token', 'token'],
    [false, 'a string and its prefix', 's3cret', 's3cret-token'],
    [false, 'an empty and a non-empty string', '', 'x'],
    [false, 'strings of different lengths', 'short', 'a much longer string'],
  ])('is %s for %s, in either order', (equal, _name, a, b) => {
    expect(constantTimeEqual(a, b)).toBe(equal);
    expect(constantTimeEqual(b, a)).toBe(equal);
  });
});
