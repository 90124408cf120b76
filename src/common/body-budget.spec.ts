import { describe, expect, it } from '@jest/globals';
import { BodyBudget } from './body-budget.js';

const MiB = 1024 * 1024;

describe('BodyBudget', () => {
  it('lets a lone body take the whole budget, and not a byte more', () => {
    const budget = new BodyBudget(25 * MiB);
    const one = budget.open();
    expect(one.grow(25 * MiB + 1)).toBe(false);
    expect(budget.inUse).toBe(0);
    expect(one.grow(25 * MiB)).toBe(true);
    expect(budget.inUse).toBe(25 * MiB);
  });

  it('lets a body next to others hold at most half of what they leave free', () => {
    const budget = new BodyBudget(64 * MiB);
    const big = budget.open();
    expect(big.grow(24 * MiB)).toBe(true);
    // 40 MiB left: a second 24 MiB body is refused, 20 MiB fits.
    expect(budget.open().grow(24 * MiB)).toBe(false);
    const second = budget.open();
    expect(second.grow(20 * MiB)).toBe(true);
    // 20 MiB left: a small delivery still fits, and so do many after it.
    for (let i = 0; i < 100; i += 1) expect(budget.open().grow(64 * 1024)).toBe(true);
    expect(budget.inUse).toBeLessThanOrEqual(budget.limit);
  });

  it('counts a growing body against its own earlier chunks, never past the limit', () => {
    const budget = new BodyBudget(32 * MiB);
    const other = budget.open();
    expect(other.grow(8 * MiB)).toBe(true);
    const chunked = budget.open();
    let grown = 0;
    while (chunked.grow(64 * 1024)) grown += 64 * 1024;
    expect(grown).toBe(12 * MiB); // half of the 24 MiB the other body leaves
    expect(budget.inUse).toBe(20 * MiB);
  });

  it('gives everything back on release, once, however often it is called', () => {
    const budget = new BodyBudget(32 * MiB);
    const a = budget.open();
    const b = budget.open();
    a.grow(10 * MiB);
    b.grow(5 * MiB);
    a.release();
    a.release();
    expect(budget.inUse).toBe(5 * MiB);
    expect(a.grow(1)).toBe(false); // a released reservation holds nothing more
    b.release();
    expect(budget.inUse).toBe(0);
    expect(budget.open().grow(32 * MiB)).toBe(true);
  });
});
