import type { PreparedStatements } from './prepared-statements.js';

/**
 * What a running deployment is doing, and the process group doing it. `fetch`: git is
 * fetching and nothing has touched the work tree yet; `git`: git is moving it. Release
 * mode: `build` (the release is being written, linked and built), `switch` (`current`
 * moves), `activate`, `health` (the health check).
 */
export interface DeploymentActivity {
  phase: 'fetch' | 'git' | 'command' | ReleasePhase;
  processGroup: number | null;
  /** The leader's start time as the kernel reports it, so a reused pid is not mistaken for it. */
  processStarted: string | null;
}

export type ReleasePhase = 'build' | 'switch' | 'activate' | 'health';

interface ActivityRow {
  phase: 'git' | 'command' | ReleasePhase | null;
  git_step: 'fetch' | null;
  process_group: number | null;
  process_started: string | null;
}

/**
 * The running deployment's activity, written as it changes and read by the crash
 * recovery at the next boot: what was under way, and which process group to end.
 */
export class ActivityStore {
  constructor(private readonly statements: PreparedStatements) {}

  /** `null` clears it (the deployment ended). Not a status change: no event. */
  set(deploymentId: number, activity: DeploymentActivity | null): void {
    // Schema v2 keeps the fetch as a step of the `git` phase.
    const phase = activity?.phase === 'fetch' ? 'git' : (activity?.phase ?? null);
    this.statements
      .sql('UPDATE deployments SET phase = ?, git_step = ?, process_group = ?, process_started = ? WHERE id = ?')
      .run(
        phase,
        activity?.phase === 'fetch' ? 'fetch' : null,
        activity?.processGroup ?? null,
        activity?.processStarted ?? null,
        deploymentId,
      );
  }

  get(deploymentId: number): DeploymentActivity | undefined {
    const row = this.statements
      .sql('SELECT phase, git_step, process_group, process_started FROM deployments WHERE id = ?')
      .get(deploymentId) as ActivityRow | undefined;
    if (!row?.phase) return undefined;
    const phase = row.phase === 'git' && row.git_step === 'fetch' ? 'fetch' : row.phase;
    return { phase, processGroup: row.process_group, processStarted: row.process_started };
  }
}
