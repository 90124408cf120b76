import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { push, SHA_A, SHA_B, TestStores } from '../../test/fixtures/stores.js';

const T = 'site';

describe('TargetStateStore and the waiting rollback', () => {
  let s: TestStores;

  beforeEach(() => {
    s = new TestStores();
  });
  afterEach(() => s.close());

  it('a target is running until paused; the pause, its time and reason survive reopening the file; resume clears them', () => {
    expect(s.stores.targetState.get(T)).toEqual({ paused: false });
    const paused = s.stores.targetState.pause(T, 'rolled back to deployment 3');
    expect(paused).toEqual({ paused: true, pausedAt: expect.any(String), pausedReason: 'rolled back to deployment 3' });
    expect(s.stores.targetState.isPaused('other')).toBe(false);
    s.reopen();
    expect(s.stores.targetState.get(T)).toEqual(paused);
    expect(s.stores.targetState.resume(T)).toEqual({ paused: false });
    expect(s.stores.targetState.get(T)).toEqual({ paused: false });
  });

  it('a rollback waits apart from the waiting push: pushes never join it, and each kind is unique per target', () => {
    const { deployments } = s.stores;
    const waitingPush = deployments.insert(T, push(SHA_A));
    const rollback = deployments.insert(T, {
      trigger: 'rollback',
      ref: 'refs/heads/main',
      requestedSha: SHA_B,
      rollbackOf: 1,
    });
    expect(deployments.nextQueuedId(T)).toBe(waitingPush);
    expect(deployments.nextQueued(T)?.id).toBe(waitingPush);
    expect(deployments.waitingRollback(T)).toMatchObject({
      id: rollback,
      trigger: 'rollback',
      rollbackOf: 1,
      requestedSha: SHA_B,
    });
    expect(() => deployments.insert(T, push(SHA_B))).toThrow(/UNIQUE/);
    expect(() =>
      deployments.insert(T, { trigger: 'rollback', ref: 'refs/heads/main', requestedSha: SHA_A, rollbackOf: 2 }),
    ).toThrow(/UNIQUE/);
    // Only a rollback carries rollbackOf.
    expect(deployments.get(waitingPush)).not.toHaveProperty('rollbackOf');
  });
});
