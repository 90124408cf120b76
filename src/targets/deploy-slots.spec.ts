import { describe, expect, it } from '@jest/globals';
import { DeploySlots } from './deploy-slots.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('DeploySlots', () => {
  it('lets up to the limit run at once and makes the next one wait for a release', async () => {
    const slots = new DeploySlots(2);
    const first = await slots.acquire();
    await slots.acquire();
    let thirdStarted = false;
    const third = slots.acquire().then((release) => {
      thirdStarted = true;
      return release;
    });
    await tick();
    expect(thirdStarted).toBe(false);
    expect(slots.inUse).toBe(2);
    first();
    (await third)();
    expect(thirdStarted).toBe(true);
    expect(slots.inUse).toBe(1);
  });

  it('serves waiters in the order they asked', async () => {
    const slots = new DeploySlots(1);
    const release = await slots.acquire();
    const order: string[] = [];
    const a = slots.acquire().then((r) => (order.push('a'), r));
    const b = slots.acquire().then((r) => (order.push('b'), r));
    release();
    (await a)();
    (await b)();
    expect(order).toEqual(['a', 'b']);
    expect(slots.inUse).toBe(0);
  });

  it('ignores a second release of the same slot', async () => {
    const slots = new DeploySlots(1);
    const release = await slots.acquire();
    release();
    release();
    expect(slots.inUse).toBe(0);
  });

  it('refuses a limit below one', () => {
    expect(() => new DeploySlots(0)).toThrow(RangeError);
  });
});
