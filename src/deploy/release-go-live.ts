import type { DeploymentSummary } from '../domain/deployment.js';
import type { ReleaseSettings } from '../domain/target.js';
import { switchCurrent } from '../releases/current-link.js';
import { waitHealthy } from '../releases/health-check.js';
import type { ReleaseLayout } from '../releases/release-layout.js';
import type { ActivityStore } from '../storage/activity.store.js';
import { trackActivity } from './activity-tracker.js';
import { DeployFailure, errorMessage } from './deploy-failure.js';
import type { DeployedCommit } from './deployed-commit.js';
import type { LiveLog } from './live-log.js';
import { runReleaseCommand } from './release-command.js';
import { releaseEnvironment } from './release-environment.js';

/** A release and the commit it holds. */
export interface ReleaseRef {
  name: string;
  sha: string;
}

export interface GoLive {
  deployment: DeploymentSummary;
  settings: ReleaseSettings;
  layout: ReleaseLayout;
  activity: ActivityStore;
  log: LiveLog;
  /** The deploy's deadline. */
  signal: AbortSignal;
  /** How long the activate after a switch back may take: the deadline may be what failed. */
  timeoutMs: number;
  release: ReleaseRef;
  /** What `current` pointed at; null for the first release. */
  previous: ReleaseRef | null;
  /** The DEPLOY_* facts of the switch to `release`. */
  commit: DeployedCommit;
}

/** A failed activate or health check, after `current` went back to `release`. */
export class RolledBack extends DeployFailure {
  constructor(readonly release: ReleaseRef) {
    super(`rolled back to ${release.name}`);
    this.name = 'RolledBack';
  }
}

/**
 * Switches `current` to the release, activates it and checks its health. When activate or
 * the check fails, `current` goes back to the previous release and that is activated
 * again: throws RolledBack (or a DeployFailure when there was nothing to go back to).
 */
export async function goLive(step: GoLive): Promise<void> {
  const { deployment, layout, log, release } = step;
  step.activity.set(deployment.id, { phase: 'switch', processGroup: null, processStarted: null });
  await switchCurrent(layout, release.name, deployment.id);
  log.append(`hookdeploy: current -> releases/${release.name}\n`);
  try {
    await activateAndCheck(step, step.signal);
  } catch (error) {
    const reason = step.signal.aborted ? `timed out: ${errorMessage(error)}` : errorMessage(error);
    log.append(`hookdeploy: ${reason}\n`);
    if (step.previous === null) throw new DeployFailure(`${reason}; no earlier release to roll back to`);
    await switchBack(step, step.previous);
    throw new RolledBack(step.previous);
  }
}

async function activateAndCheck(step: GoLive, signal: AbortSignal): Promise<void> {
  const { deployment, settings, layout, log } = step;
  if (settings.activate !== undefined) {
    await runReleaseCommand({
      step: 'activate',
      command: settings.activate,
      cwd: layout.current,
      env: releaseEnvironment(deployment, step.commit, layout.release(step.release.name)),
      signal,
      log,
      onSpawn: trackActivity(step.activity, deployment.id, 'activate'),
    });
  }
  const check = settings.healthCheck;
  if (check === undefined) return;
  step.activity.set(deployment.id, { phase: 'health', processGroup: null, processStarted: null });
  const health = await waitHealthy(check.url, check.timeoutMs, signal);
  log.append(`hookdeploy: health check: ${health.detail}\n`);
  if (!health.healthy) throw new DeployFailure(`the health check failed: ${health.detail}`);
}

/** `current` back to `previous`, and its activate run again, with a deadline of its own. */
async function switchBack(step: GoLive, previous: ReleaseRef): Promise<void> {
  const { deployment, layout, log } = step;
  step.activity.set(deployment.id, { phase: 'switch', processGroup: null, processStarted: null });
  await switchCurrent(layout, previous.name, deployment.id);
  log.append(`hookdeploy: rolling back: current -> releases/${previous.name}\n`);
  if (step.settings.activate === undefined) return;
  const commit = {
    headBefore: step.commit.headAfter,
    headAfter: previous.sha,
    requestedSha: step.commit.requestedSha,
  };
  try {
    await runReleaseCommand({
      step: 'activate',
      command: step.settings.activate,
      cwd: layout.current,
      env: releaseEnvironment(deployment, commit, layout.release(previous.name)),
      signal: AbortSignal.timeout(step.timeoutMs),
      log,
      onSpawn: trackActivity(step.activity, deployment.id, 'activate'),
    });
  } catch (error) {
    throw new DeployFailure(`rolled back to ${previous.name}, but its activate failed too: ${errorMessage(error)}`);
  }
}
