import { describe, expect, it } from '@jest/globals';
import { CappedLog, LOG_CAP_BYTES } from './capped-log.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';

function logOf(cap: number, ...chunks: string[]): string {
  const log = new CappedLog(cap);
  for (const chunk of chunks) log.append(chunk);
  return log.toString();
}

const omitted = (count: number): string => `\n[... ${count} characters of output omitted ...]\n`;

describe('CappedLog', () => {
  it('is empty before anything is appended', () => {
    expect(new CappedLog().toString()).toBe('');
  });

  it.each([
    ['one chunk under the cap', ['hello\n']],
    ['several chunks under the cap', ['$ git fetch\n', 'Already up to date.\n']],
    ['chunks exactly filling the cap', ['a'.repeat(15), 'b'.repeat(25)]],
  ])('keeps %s whole', (_name, chunks) => {
    expect(logOf(40, ...chunks)).toBe(chunks.join(''));
  });

  it('keeps a large output under the default cap whole', () => {
    const output = 'x'.repeat(LOG_CAP_BYTES);
    expect(logOf(LOG_CAP_BYTES, output)).toBe(output);
  });

  it('keeps the first and the last half of the cap around a marker counting the omitted characters', () => {
    expect(logOf(10, 'abcdefghij', 'klm')).toBe(`abcde${omitted(3)}ijklm`);
  });

  it('keeps counting what it omits as output keeps coming', () => {
    expect(logOf(10, 'abcdefghij', 'klm', 'nopqrstuvwxyz')).toBe(`abcde${omitted(16)}vwxyz`);
  });

  it('behaves alike for many small appends and one small overflowing append', () => {
    const oneByOne = logOf(10, ...ALPHABET.split(''));
    expect(oneByOne).toBe(`abcde${omitted(16)}vwxyz`);
    expect(logOf(10, ALPHABET.slice(0, 10), ALPHABET.slice(10))).toBe(oneByOne);
  });

  it.each([
    ['one big append', [ALPHABET]],
    ['a short append then a big one', ['abc', ALPHABET.slice(3)]],
  ])('keeps the same head and tail for %s as for many small appends', (_name, chunks) => {
    expect(logOf(10, ...chunks)).toBe(logOf(10, ...ALPHABET.split('')));
  });
});

describe('CappedLog: characters outside the BMP (two UTF-16 units) are never cut in half', () => {
  const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

  it.each([
    ['a head ending mid-character', 9, ['abc😀😀😀😀😀😀']],
    ['a tail starting mid-character', 10, ['a😀😀😀😀😀😀😀😀']],
    ['many small appends', 11, [...'x😀'.repeat(30)]],
    ['appends that split a pair between them', 9, ['ab\uD83D', '\uDE00cd😀😀😀😀😀😀']],
  ])('%s (cap %i)', (_name, cap, chunks) => {
    const text = logOf(cap, ...chunks);
    expect(text).toContain('omitted');
    expect(text).not.toMatch(LONE_SURROGATE);
  });

  it('counts what it omits in UTF-16 units, so head + omitted + tail is the whole output', () => {
    const output = 'a😀'.repeat(20);
    const log = logOf(9, output);
    const [head, rest] = log.split(/\n\[\.\.\. \d+ characters of output omitted \.\.\.\]\n/) as [string, string];
    const omittedCount = Number(/\[\.\.\. (\d+) characters/.exec(log)![1]);
    expect(head.length + omittedCount + rest.length).toBe(output.length);
    expect(output.startsWith(head)).toBe(true);
    expect(output.endsWith(rest)).toBe(true);
  });
});
