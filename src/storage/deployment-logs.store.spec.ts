import { afterEach, beforeEach, expect, it } from '@jest/globals';
import { DEFAULT_TARGET_ID } from '../domain/target.js';
import { push, TestStores } from '../../test/fixtures/stores.js';

let s: TestStores;
beforeEach(() => {
  s = new TestStores();
});
afterEach(() => s.close());

it('saves a log, replaces it, and tells an empty log from an unknown deployment', () => {
  const { logs, deployments } = s.stores;
  const { id } = deployments.create(DEFAULT_TARGET_ID, push());
  expect(logs.get(id)).toBe('');
  logs.save(id, 'first');
  expect(logs.get(id)).toBe('first');
  logs.save(id, 'second\n✓ ünïcode');
  expect(logs.get(id)).toBe('second\n✓ ünïcode');
  expect(deployments.get(id)?.log).toBe('second\n✓ ünïcode');
  logs.save(id, '');
  expect(logs.get(id)).toBe('');
  expect(logs.get(id + 1)).toBeUndefined();
});

it('appends to a saved log, or starts one, and refuses a deployment that does not exist', () => {
  const { logs, deployments } = s.stores;
  const { id } = deployments.create(DEFAULT_TARGET_ID, push());
  logs.append(id, 'first line\n');
  expect(logs.get(id)).toBe('first line\n');
  logs.save(id, 'output\n');
  logs.append(id, 'hookdeploy: reported success to GitHub\n');
  expect(logs.get(id)).toBe('output\nhookdeploy: reported success to GitHub\n');
  // On a line of its own, also after output that did not end its last line.
  logs.save(id, 'no newline at the end');
  logs.append(id, 'hookdeploy: reported failure to GitHub\n');
  expect(logs.get(id)).toBe('no newline at the end\nhookdeploy: reported failure to GitHub\n');
  expect(() => logs.append(id + 1, 'nobody\n')).toThrow();
});
