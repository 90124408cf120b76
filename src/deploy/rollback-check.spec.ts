import { describe, expect, it } from '@jest/globals';
import type { DeploymentSummary } from '../domain/deployment.js';
import type { Target } from '../domain/target.js';
import { isRollbackSource, releaseDirectory, rollbackRefusal } from './rollback-check.js';

const SHA = 'a'.repeat(40);

const inPlace: Target = {
  id: 'site',
  forge: 'github',
  secrets: ['s'],
  repoPath: '/srv/site-clone',
  branch: 'main',
  repository: undefined,
  strategy: 'rebase',
  command: undefined,
  timeoutMs: 600_000,
};
const released: Target = {
  ...inPlace,
  release: { path: '/srv/site', keep: 5, shared: [], build: undefined, activate: undefined, healthCheck: undefined },
};

function deployment(changes: Partial<DeploymentSummary> = {}): DeploymentSummary {
  return {
    id: 7,
    target: 'site',
    status: 'succeeded',
    trigger: 'push',
    deliveries: [],
    ref: 'refs/heads/main',
    requestedSha: SHA,
    headBefore: SHA,
    headAfter: SHA,
    queuedAt: '2026-12-02T09:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    error: null,
    release: null,
    report: null,
    ...changes,
  };
}

const none = { name: null, exists: false };

describe('rollbackRefusal', () => {
  it('refuses a fleet target: its agents deploy pushes only', () => {
    const fleetTarget = {
      ...inPlace,
      fleet: { hosts: ['web-1'], rollout: 'parallel', hostTimeoutMs: 600_000 },
    } as Target;
    expect(rollbackRefusal(deployment(), fleetTarget, none)).toBe(
      'target "site" is a fleet (hosts): rollback is not available for it',
    );
  });

  it('accepts a succeeded deployment with its headAfter (in place), or with its release still on disk (release mode)', () => {
    expect(rollbackRefusal(deployment(), inPlace, none)).toBeUndefined();
    expect(rollbackRefusal(deployment(), released, { name: '7-aaaaaaa', exists: true })).toBeUndefined();
    expect(isRollbackSource(deployment())).toBe(true);
  });

  it.each([
    ['failed', deployment({ status: 'failed' }), inPlace, none, /deployment 7 failed/],
    ['queued', deployment({ status: 'queued' }), inPlace, none, /deployment 7 is queued/],
    ['running', deployment({ status: 'running' }), inPlace, none, /is running/],
    ['no headAfter', deployment({ headAfter: null }), inPlace, none, /no commit/],
    ['its target removed', deployment(), undefined, none, /target "site", which is no longer configured/],
    ['no release (release mode)', deployment(), released, none, /made no release/],
    [
      'its release pruned',
      deployment(),
      released,
      { name: '7-aaaaaaa', exists: false },
      /7-aaaaaaa .*no longer exists/,
    ],
  ] as const)('refuses (409) %s', (_, source, target, release, reason) => {
    expect(rollbackRefusal(source, target, release)).toMatch(reason);
  });

  it('finds a release under <release.path>/releases/', () => {
    expect(releaseDirectory(released, '7-aaaaaaa')).toBe('/srv/site/releases/7-aaaaaaa');
    expect(releaseDirectory(inPlace, '7-aaaaaaa')).toBeUndefined();
  });
});
