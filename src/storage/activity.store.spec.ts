import { afterEach, beforeEach, expect, it } from '@jest/globals';
import { DEFAULT_TARGET_ID } from '../domain/target.js';
import { push, TestStores } from '../../test/fixtures/stores.js';

let s: TestStores;
beforeEach(() => {
  s = new TestStores();
});
afterEach(() => s.close());

it('records, replaces and clears what a deployment is doing', () => {
  const { activity, deployments } = s.stores;
  const first = deployments.insert(DEFAULT_TARGET_ID, push());
  deployments.set(first, { status: 'running' });
  const second = deployments.insert('site', push());
  deployments.set(second, { status: 'running' });
  expect(activity.get(first)).toBeUndefined();
  activity.set(first, { phase: 'git', processGroup: 4321, processStarted: '987654' });
  activity.set(second, { phase: 'command', processGroup: null, processStarted: null });
  expect(activity.get(first)).toEqual({ phase: 'git', processGroup: 4321, processStarted: '987654' });
  expect(activity.get(second)).toEqual({ phase: 'command', processGroup: null, processStarted: null });
  activity.set(first, { phase: 'fetch', processGroup: 12, processStarted: '34' });
  expect(activity.get(first)).toEqual({ phase: 'fetch', processGroup: 12, processStarted: '34' });
  activity.set(first, { phase: 'command', processGroup: 55, processStarted: '66' });
  expect(activity.get(first)).toEqual({ phase: 'command', processGroup: 55, processStarted: '66' });
  activity.set(first, null);
  expect(activity.get(first)).toBeUndefined();
  expect(activity.get(99)).toBeUndefined();
});
