import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { openFileLimit } from './open-file-limit.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max processes             62811                62811                processes
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

describe('openFileLimit', () => {
  it('reads the soft limit, not the hard one', () => {
    expect(openFileLimit(LIMITS)).toBe(1024);
  });

  it('is undefined for an unlimited or unknown limit', () => {
    expect(openFileLimit(LIMITS.replace('1024 ', 'unlimited '))).toBeUndefined();
    expect(openFileLimit('')).toBeUndefined();
  });

  it("reads this process's own limit, as `ulimit -n` states it", () => {
    const expected = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
    expect(openFileLimit()).toBe(expected);
  });
});
