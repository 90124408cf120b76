import { DeploySlots } from './deploy-slots.js';

/**
 * One deploy at a time per work tree, whichever target it belongs to. Each target's queue
 * already deploys one at a time; this covers what a reload can do across targets: a target
 * renamed (a new id on the same repoPath) while the old id's deploy still runs.
 */
export class WorkTreeLocks {
  private readonly locks = new Map<string, DeploySlots>();

  /** Resolves with a release function once no other deploy holds `repoPath`; call it exactly once. */
  async acquire(repoPath: string): Promise<() => void> {
    let lock = this.locks.get(repoPath);
    if (lock === undefined) {
      lock = new DeploySlots(1);
      this.locks.set(repoPath, lock);
    }
    const release = await lock.acquire();
    return () => {
      release();
      // Nobody holds or waits for it: forget the path, so that paths a reload dropped are not kept.
      if (lock.inUse === 0 && this.locks.get(repoPath) === lock) this.locks.delete(repoPath);
    };
  }

  /** Work trees held or waited for right now. */
  get size(): number {
    return this.locks.size;
  }
}
