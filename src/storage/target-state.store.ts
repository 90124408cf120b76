import { RUNNING_STATE, type TargetState } from '../domain/target-state.js';
import type { PreparedStatements } from './prepared-statements.js';

interface TargetStateRow {
  paused: 0 | 1;
  paused_at: string | null;
  paused_reason: string | null;
}

/**
 * Which targets are paused (table `target_state`, one row per target that was ever
 * paused). Kept in the database so that a pause survives a restart: the queue of a
 * paused target starts without deploying what waits in it.
 */
export class TargetStateStore {
  constructor(private readonly statements: PreparedStatements) {}

  get(target: string): TargetState {
    const row = this.statements
      .sql('SELECT paused, paused_at, paused_reason FROM target_state WHERE target = ?')
      .get(target) as TargetStateRow | undefined;
    if (row?.paused !== 1) return RUNNING_STATE;
    return {
      paused: true,
      ...(row.paused_at === null ? {} : { pausedAt: row.paused_at }),
      ...(row.paused_reason === null ? {} : { pausedReason: row.paused_reason }),
    };
  }

  isPaused(target: string): boolean {
    return this.get(target).paused;
  }

  /** Pauses the target with `reason`, now; replaces the reason and time of a pause already in place. */
  pause(target: string, reason: string): TargetState {
    const at = new Date().toISOString();
    this.statements
      .sql(
        `INSERT INTO target_state (target, paused, paused_at, paused_reason) VALUES (@target, 1, @at, @reason)
           ON CONFLICT (target) DO UPDATE SET paused = 1, paused_at = @at, paused_reason = @reason`,
      )
      .run({ target, at, reason });
    return { paused: true, pausedAt: at, pausedReason: reason };
  }

  resume(target: string): TargetState {
    this.statements
      .sql('UPDATE target_state SET paused = 0, paused_at = NULL, paused_reason = NULL WHERE target = ?')
      .run(target);
    return RUNNING_STATE;
  }
}
