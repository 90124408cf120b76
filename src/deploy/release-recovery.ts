import { access, rm } from 'node:fs/promises';
import type { DeploymentSummary } from '../domain/deployment.js';
import type { ReleaseSettings } from '../domain/target.js';
import { readCurrent, removeStaleLinks, switchCurrent } from '../releases/current-link.js';
import { ReleaseLayout, releaseDeploymentId } from '../releases/release-layout.js';
import type { ActivityStore, ReleasePhase } from '../storage/activity.store.js';
import type { ReleaseStepsStore } from '../storage/release-steps.store.js';
import { trackActivity } from './activity-tracker.js';
import { commandEnvironment } from './command-environment.js';
import { errorMessage } from './deploy-failure.js';
import { runCommand } from './run-command.js';

/** How much of an activate's output a recovery note keeps. */
const NOTE_OUTPUT_CHARS = 1000;

export const RELEASE_STEP_NAMES: Record<ReleasePhase, string> = {
  build: 'the release build',
  switch: 'the switch of current',
  activate: 'the activate command',
  health: 'the health check',
};

/**
 * After a crash in a release step (its process group already ended), puts the release
 * tree back in a state `current` can be trusted in, and returns notes for the log:
 *
 * - `build`: `current` was never touched; the unfinished release directory is removed.
 * - `switch`, `activate`, `health`: the release may have gone live half way; `current`
 *   goes back to the release it pointed at before and that release's `activate` runs
 *   again. Without an earlier release, `current` stays where it is (it always points at
 *   a complete release: the switch comes after the build).
 *
 * Each step is idempotent: a crash during the recovery itself leaves the deployment
 * `running`, and the next boot does it again (the activate's process group is recorded).
 */
export async function settleReleaseStep(
  settings: ReleaseSettings,
  deployment: DeploymentSummary,
  phase: ReleasePhase,
  stores: { steps: ReleaseStepsStore; activity: ActivityStore },
  timeoutMs: number,
): Promise<string[]> {
  const layout = new ReleaseLayout(settings.path);
  const steps = stores.steps.get(deployment.id);
  const notes = (await removeStaleLinks(layout)).map((name) => `removed the unfinished link ${name}`);
  const current = await readCurrent(layout).catch(() => null);
  if (phase === 'build') {
    const release = steps?.release;
    if (release && release !== current) {
      await rm(layout.release(release), { recursive: true, force: true });
      await rm(layout.indexFile(release), { force: true });
      await rm(`${layout.indexFile(release)}.lock`, { force: true });
      notes.push(`removed the unfinished release ${release}; current still points at ${current ?? 'nothing'}`);
    }
    return notes;
  }
  const previous = steps?.previousRelease ?? null;
  if (previous === null || !(await exists(layout.release(previous)))) {
    notes.push(
      `no earlier release to switch back to: current stays at ${current ?? 'nothing'}` +
        (previous === null ? '' : ` (release ${previous} is gone)`),
    );
    return notes;
  }
  if (current !== previous) {
    await switchCurrent(layout, previous, deployment.id);
    notes.push(`switched current back to ${previous}`);
  }
  if (settings.activate !== undefined)
    notes.push(await reactivate(settings.activate, layout, previous, deployment, stores, timeoutMs));
  return notes;
}

async function reactivate(
  command: string,
  layout: ReleaseLayout,
  release: string,
  deployment: DeploymentSummary,
  stores: { steps: ReleaseStepsStore; activity: ActivityStore },
  timeoutMs: number,
): Promise<string> {
  const id = releaseDeploymentId(release)!;
  const sha = stores.steps.deployments([id]).get(id)?.headAfter ?? '';
  const env = Object.assign(
    commandEnvironment(deployment, { headBefore: deployment.headBefore ?? '', headAfter: sha, requestedSha: sha }),
    { DEPLOY_RELEASE_DIR: layout.release(release), PWD: layout.current },
  );
  let output = '';
  const result = await runCommand(command, {
    cwd: layout.current,
    env,
    signal: AbortSignal.timeout(timeoutMs),
    output: (chunk) => (output = (output + chunk).slice(-NOTE_OUTPUT_CHARS)),
    onSpawn: trackActivity(stores.activity, deployment.id, 'activate'),
  }).catch((error: unknown) => ({ exitCode: null, signal: null, timedOut: false, startError: errorMessage(error) }));
  if (result.exitCode === 0) return `ran activate again in ${release}`;
  const how = result.timedOut ? 'timed out' : `ended with ${result.exitCode ?? result.signal ?? result.startError}`;
  return `activate of ${release} ${how}: ${output.trim()}`;
}

function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
