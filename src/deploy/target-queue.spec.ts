import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { TestStores, SHA_A } from '../../test/fixtures/stores.js';
import type { DeploymentSummary } from '../domain/deployment.js';
import type { Target } from '../domain/target.js';
import { GroupCommit } from '../storage/group-commit.js';
import type { Stores } from '../storage/stores.js';
import { WalSync } from '../storage/wal-sync.js';
import { DeploySlots } from '../targets/deploy-slots.js';
import { WorkTreeLocks } from '../targets/work-tree-locks.js';
import type { FleetRollouts } from '../fleet/fleet-rollout.js';
import type { DeployRunner } from './deploy-runner.js';
import { TargetQueue } from './target-queue.js';

const TARGET = { id: 'site', repoPath: '/srv/site', branch: 'main' } as Target;

/** A runner that records which deployments it ran and ends each as succeeded, as the real one records it. */
function recordingRunner(ran: number[], stores: Stores): DeployRunner {
  return {
    run: async (_target: Target, deployment: DeploymentSummary) => {
      ran.push(deployment.id);
      return stores.deployments.update(deployment.id, { status: 'succeeded', finishedAt: new Date().toISOString() });
    },
  } as unknown as DeployRunner;
}

describe('TargetQueue.accept', () => {
  let t: TestStores;
  let ran: number[];
  let queue: TargetQueue;

  beforeEach(() => {
    t = new TestStores();
    ran = [];
    const { stores } = t;
    queue = new TargetQueue('site', () => TARGET, {
      deployments: stores.deployments,
      deliveries: stores.deliveries,
      retention: stores.retention,
      runner: recordingRunner(ran, stores),
      commits: new GroupCommit(stores.transactions, new WalSync(t.db)),
      slots: new DeploySlots(1),
      workTrees: new WorkTreeLocks(),
      historyLimit: 100,
      targetState: stores.targetState,
      hosts: stores.hosts,
      // No target here has hosts: the rollouts are never asked.
      fleet: {} as FleetRollouts,
    });
  });
  afterEach(() => {
    queue.stop();
    t.close();
  });

  const push = { deliveryId: 'd-1', event: 'push', ref: 'refs/heads/main', sha: SHA_A, receivedAt: '' };

  it('starts the deploy only once the answer is written: its first spawn must not delay the 202', async () => {
    let answerWritten!: () => void;
    const answered = new Promise<void>((done) => (answerWritten = done));

    const acceptance = await queue.accept(push, answered);
    // On disk, answered 202 next: nothing runs yet, however long the answer takes.
    await new Promise((done) => setTimeout(done, 50));
    expect(queue.running).toBe(false);
    expect(t.stores.deployments.get(acceptance.deploymentId)?.status).toBe('queued');

    answerWritten();
    await new Promise((done) => setImmediate(done));
    await queue.idle();
    expect(ran).toEqual([acceptance.deploymentId]);
  });

  it('deploys a recorded push even when its answer never reached the client', async () => {
    const acceptance = await queue.accept(push, Promise.reject(new Error('client gone')));
    await new Promise((done) => setTimeout(done, 10));
    await queue.idle();
    expect(ran).toEqual([acceptance.deploymentId]);
  });
});
