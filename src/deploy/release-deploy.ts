import { Inject, Injectable, Logger } from '@nestjs/common';
import { access, mkdir, rm } from 'node:fs/promises';
import type { DeploymentSummary } from '../domain/deployment.js';
import { deploymentFields } from '../domain/log-fields.js';
import type { ReleaseSettings, Target } from '../domain/target.js';
import { GitServices } from '../git/git-services.js';
import type { GitService } from '../git/git.service.js';
import { readCurrent } from '../releases/current-link.js';
import { pruneReleases } from '../releases/prune-releases.js';
import { ReleaseLayout, releaseDeploymentId, releaseName } from '../releases/release-layout.js';
import { linkShared } from '../releases/shared-links.js';
import { ReleaseStepsStore } from '../storage/release-steps.store.js';
import { STORES } from '../storage/store.providers.js';
import type { Stores } from '../storage/stores.js';
import { trackActivity } from './activity-tracker.js';
import { DeployFailure, errorMessage } from './deploy-failure.js';
import { describe } from './deployment-label.js';
import type { LiveLog } from './live-log.js';
import type { Outcome } from './outcome-recorder.js';
import { runReleaseCommand } from './release-command.js';
import { releaseEnvironment } from './release-environment.js';
import { goLive, RolledBack, type ReleaseRef } from './release-go-live.js';
import { WorkTreeUpdate } from './work-tree-update.js';

/** What one run works with. */
interface Run {
  target: Target;
  settings: ReleaseSettings;
  layout: ReleaseLayout;
  git: GitService;
  deployment: DeploymentSummary;
  log: LiveLog;
  signal: AbortSignal;
  previous: ReleaseRef | null;
  /** Where `current` served from before, and serves from now, as the deployment's heads. */
  heads: { before: string | null; after: string | null };
}

/**
 * A deployment of a release-mode target (`mode: release`): the clone is fetched as in
 * place, then the commit is written into a new `releases/<id>-<sha7>`, shared entries
 * linked, `build` run there, `current` switched, `activate` run and the health checked
 * (release-go-live.ts). A rollback deployment only switches and activates. Never throws.
 */
@Injectable()
export class ReleaseDeploy {
  private readonly logger = new Logger('Deploy');

  constructor(
    @Inject(GitServices) private readonly gits: GitServices,
    @Inject(STORES) private readonly store: Stores,
    @Inject(ReleaseStepsStore) private readonly steps: ReleaseStepsStore,
  ) {}

  async run(target: Target, deployment: DeploymentSummary, afterAnother: boolean, log: LiveLog): Promise<Outcome> {
    const settings = target.release!;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), target.timeoutMs);
    const run: Run = {
      target,
      settings,
      layout: new ReleaseLayout(settings.path),
      git: this.gits.for(target.repoPath),
      deployment,
      log,
      signal: deadline.signal,
      previous: null,
      heads: { before: null, after: null },
    };
    let outcome: Outcome;
    try {
      const current = await readCurrent(run.layout);
      run.previous = current === null ? null : { name: current, sha: await this.commitOf(run.git, current) };
      run.heads = { before: run.previous?.sha ?? null, after: run.previous?.sha ?? null };
      if (deployment.trigger === 'rollback') await this.rollback(run);
      else await this.release(run, afterAnother);
      outcome = { status: 'succeeded', headBefore: run.heads.before ?? run.heads.after!, headAfter: run.heads.after! };
    } catch (error) {
      if (error instanceof RolledBack) run.heads.after = error.release.sha;
      const reason =
        deadline.signal.aborted && !(error instanceof RolledBack)
          ? `timed out after ${target.timeoutMs / 1000}s: ${errorMessage(error)}`
          : errorMessage(error);
      log.append(`\nhookdeploy: deployment failed: ${reason}\n`);
      outcome = { status: 'failed', headBefore: run.heads.before, headAfter: run.heads.after, error: reason };
    } finally {
      clearTimeout(timer);
    }
    await this.prune(run, outcome.status === 'succeeded');
    return outcome;
  }

  /** A push or manual deployment: fetch into the clone, write, link and build the release, go live. */
  private async release(run: Run, afterAnother: boolean): Promise<void> {
    const { target, layout, deployment, log } = run;
    const update = new WorkTreeUpdate(run.git, this.store, {
      deployBranch: target.branch,
      pullStrategy: target.strategy,
    });
    this.logger.log({
      msg: `${describe(deployment)}: running, release of ${deployment.requestedSha?.slice(0, 7) ?? `the tip of ${target.branch}`}`,
      ...deploymentFields(deployment),
    });
    const commit = await update.run(deployment, { signal: run.signal, output: log.append }, afterAnother);
    // The clone's HEAD before, until a release served: then the commit `current` served.
    run.heads.before ??= commit.headBefore;
    const release = { name: releaseName(deployment.id, commit.headAfter), sha: commit.headAfter };
    const dir = layout.release(release.name);
    // Recorded before the directory exists: a crash recovery knows what to remove.
    this.steps.begin(deployment.id, release.name, run.previous?.name ?? null);
    const onSpawn = trackActivity(this.store.activity, deployment.id, 'build');
    log.append(`hookdeploy: release ${release.name}: writing ${commit.headAfter.slice(0, 7)} into ${dir}\n`);
    await mkdir(layout.releases, { recursive: true });
    await rm(dir, { recursive: true, force: true });
    await run.git.exportTree(commit.headAfter, dir, layout.indexFile(release.name), {
      signal: run.signal,
      output: log.append,
      onSpawn,
    });
    for (const line of await linkShared(layout, dir, run.settings.shared)) log.append(`hookdeploy: ${line}\n`);
    if (run.settings.build !== undefined) {
      await runReleaseCommand({
        step: 'build',
        command: run.settings.build,
        cwd: dir,
        env: releaseEnvironment(deployment, commit, dir),
        signal: run.signal,
        log,
        onSpawn: trackActivity(this.store.activity, deployment.id, 'build'),
      });
    }
    await goLive({ ...this.goLiveOf(run), release, commit });
    run.heads.after = commit.headAfter;
  }

  /** A rollback: no fetch, no build; `current` back to the release of the deployment it names. */
  private async rollback(run: Run): Promise<void> {
    const { deployment, log } = run;
    const release = await this.releaseToReturnTo(run);
    this.steps.begin(deployment.id, release.name, run.previous?.name ?? null);
    log.append(`hookdeploy: rollback to release ${release.name}\n`);
    this.logger.log({
      msg: `${describe(deployment)}: running, rollback to release ${release.name}`,
      ...deploymentFields(deployment),
    });
    const sha = release.sha ?? '';
    const commit = {
      headBefore: run.heads.before ?? sha,
      headAfter: sha,
      requestedSha: deployment.requestedSha ?? sha,
    };
    await goLive({ ...this.goLiveOf(run), release, commit });
    run.heads.after = release.sha;
  }

  /** The release of the deployment a rollback names: it must have succeeded and its directory still exist. */
  private async releaseToReturnTo(run: Run): Promise<ReleaseRef> {
    const of = run.deployment.rollbackOf ?? null;
    if (of === null) throw new DeployFailure('this rollback names no deployment to return to');
    const name = this.steps.get(of)?.release ?? null;
    const builtBy = name === null ? undefined : releaseDeploymentId(name);
    const built = builtBy === undefined ? undefined : this.steps.deployments([builtBy]).get(builtBy);
    if (name === null || built?.status !== 'succeeded') {
      throw new DeployFailure(`deployment ${of} has no release that succeeded to return to`);
    }
    const exists = await access(run.layout.release(name)).then(
      () => true,
      () => false,
    );
    if (!exists) throw new DeployFailure(`release ${name} of deployment ${of} was pruned`);
    // The deployment that built it recorded its commit: git is asked only when that record says otherwise.
    const short = name.slice(name.indexOf('-') + 1);
    const sha = built.headAfter?.startsWith(short) ? built.headAfter : await this.commitOf(run.git, name);
    return { name, sha };
  }

  private goLiveOf(run: Run) {
    return {
      deployment: run.deployment,
      settings: run.settings,
      layout: run.layout,
      activity: this.store.activity,
      log: run.log,
      signal: run.signal,
      timeoutMs: run.target.timeoutMs,
      previous: run.previous,
    };
  }

  /**
   * The full commit of a release: its deployment's record, else git, from the sha7 in its
   * name; that sha7 itself when neither knows (the record pruned, the commit gone).
   */
  private async commitOf(git: GitService, name: string): Promise<string> {
    const id = releaseDeploymentId(name);
    const short = name.slice(name.indexOf('-') + 1);
    const recorded = id === undefined ? undefined : this.steps.deployments([id]).get(id)?.headAfter;
    if (recorded?.startsWith(short)) return recorded;
    return (await git.commitNamed(short).catch(() => undefined)) ?? short;
  }

  /**
   * Never fails the deployment: a release left over is removed by the next prune. Kept
   * whatever their state: `current` and the release before it (what the deployment that
   * switched `current` replaced), which a failure or a rollback switches back to.
   */
  private async prune(run: Run, succeeded: boolean): Promise<void> {
    try {
      const current = await readCurrent(run.layout);
      const switcher = succeeded ? run.deployment : this.store.deployments.lastSucceeded(run.target.id);
      const before = switcher && this.steps.get(switcher.id)?.previousRelease;
      const protect = new Set([current, before].filter((name) => typeof name === 'string'));
      const removed = await pruneReleases(run.layout, {
        keep: run.settings.keep,
        protect,
        statusOf: (ids) => {
          const statuses = new Map([...this.steps.deployments(ids)].map(([id, row]) => [id, row.status]));
          // Its outcome is recorded after this prune.
          if (succeeded) statuses.set(run.deployment.id, 'succeeded');
          return statuses;
        },
      });
      if (removed.length > 0) run.log.append(`hookdeploy: pruned releases ${removed.join(', ')}\n`);
    } catch (error) {
      run.log.append(`hookdeploy: pruning releases failed (the deployment stands): ${errorMessage(error)}\n`);
    }
  }
}
