import { describe, expect, it } from '@jest/globals';
import type { DeploymentSummary } from '../domain/deployment.js';
import type { Target } from '../domain/target.js';
import type { GitServices } from '../git/git-services.js';
import type { Stores } from '../storage/stores.js';
import { DeployFailure } from './deploy-failure.js';
import type { LiveLog } from './live-log.js';
import { RollbackRunner } from './rollback-runner.js';

const SHA = 'b'.repeat(40);

const released: Target = {
  id: 'site',
  forge: 'github',
  secrets: ['s'],
  repoPath: '/srv/site-clone',
  branch: 'main',
  repository: undefined,
  strategy: 'rebase',
  command: 'never run here',
  timeoutMs: 600_000,
  release: { path: '/srv/site', keep: 5, shared: [], build: undefined, activate: undefined, healthCheck: undefined },
};

const rollback: DeploymentSummary = {
  id: 9,
  target: 'site',
  status: 'running',
  trigger: 'rollback',
  rollbackOf: 4,
  deliveries: [],
  ref: 'refs/heads/main',
  requestedSha: SHA,
  headBefore: null,
  headAfter: null,
  queuedAt: '2026-12-02T09:00:00.000Z',
  startedAt: null,
  finishedAt: null,
  error: null,
  release: null,
};

// Release mode never touches git or the stores here: anything reaching them is a bug.
const untouched = new Proxy(
  {},
  {
    get: () => {
      throw new Error('release mode must not use this');
    },
  },
);
const control = { signal: new AbortController().signal, log: { append: () => undefined } as unknown as LiveLog };

describe('RollbackRunner in release mode', () => {
  it('never resets the clone of a release mode target: the rollback fails clearly instead', async () => {
    const runner = new RollbackRunner(untouched as GitServices, untouched as Stores);
    const outcome = runner.run(released, rollback, control);
    await expect(outcome).rejects.toBeInstanceOf(DeployFailure);
    await expect(outcome).rejects.toThrow(/release mode rollback switches current/);
  });
});
