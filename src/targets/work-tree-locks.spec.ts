import { describe, expect, it } from '@jest/globals';
import { WorkTreeLocks } from './work-tree-locks.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('WorkTreeLocks', () => {
  it('lets one deploy hold a work tree at a time, and others hold other trees meanwhile', async () => {
    const locks = new WorkTreeLocks();
    const first = await locks.acquire('/srv/site');
    await locks.acquire('/srv/api');
    let secondHeld = false;
    const second = locks.acquire('/srv/site').then((release) => {
      secondHeld = true;
      return release;
    });
    await tick();
    expect(secondHeld).toBe(false);
    first();
    (await second)();
    expect(secondHeld).toBe(true);
  });

  it('forgets a work tree nobody holds or waits for', async () => {
    const locks = new WorkTreeLocks();
    const first = await locks.acquire('/srv/site');
    const second = locks.acquire('/srv/site');
    first();
    expect(locks.size).toBe(1);
    (await second)();
    expect(locks.size).toBe(0);
  });
});
