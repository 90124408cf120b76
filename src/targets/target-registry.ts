import { isDeepStrictEqual } from 'node:util';
import { DEFAULT_TARGET_ID, type Target } from '../domain/target.js';

/** What a reload changed, by id. */
export interface TargetChange {
  added: Target[];
  removed: Target[];
  changed: Target[];
}

type ChangeListener = (change: TargetChange) => void;

/**
 * The targets this process serves, by id: the one place that answers "which target is
 * this request for?". A SIGHUP reload replaces them at once; whoever keeps per-target
 * state (the queues) listens for the change. A target is read afresh at each use, so a
 * changed target applies from its next deploy.
 */
export class TargetRegistry {
  private targets: Map<string, Target>;
  private readonly listeners: ChangeListener[] = [];

  /** `webhookPath`: env-only mode's WEBHOOK_PATH, where `default` is served too; undefined in file mode. */
  constructor(
    targets: readonly Target[],
    readonly webhookPath: string | undefined,
  ) {
    this.targets = new Map(targets.map((target) => [target.id, target]));
  }

  get(id: string): Target | undefined {
    return this.targets.get(id);
  }

  /** In the order of the configuration. */
  all(): Target[] {
    return [...this.targets.values()];
  }

  /** The target served at WEBHOOK_PATH: `default` in env-only mode, none with a targets file. */
  atWebhookPath(): Target | undefined {
    return this.webhookPath === undefined ? undefined : this.targets.get(DEFAULT_TARGET_ID);
  }

  /** The only target when there is exactly one (`POST /deployments` may then omit it). */
  only(): Target | undefined {
    return this.targets.size === 1 ? this.all()[0] : undefined;
  }

  replace(next: readonly Target[]): TargetChange {
    const nextById = new Map(next.map((target) => [target.id, target]));
    const change: TargetChange = { added: [], removed: [], changed: [] };
    for (const [id, target] of nextById) {
      const current = this.targets.get(id);
      if (current === undefined) change.added.push(target);
      else if (!isDeepStrictEqual(current, target)) change.changed.push(target);
    }
    for (const [id, target] of this.targets) if (!nextById.has(id)) change.removed.push(target);
    this.targets = nextById;
    for (const listener of this.listeners) listener(change);
    return change;
  }

  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }
}
