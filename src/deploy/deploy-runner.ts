import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { operatorEnvironment } from '../process/operator-environment.js';
import { GitService } from '../git/git.service.js';
import { CappedLog } from './capped-log.js';
import type { Deployment } from './deployment.js';
import { DeploymentStore } from './deployment.store.js';
import { runCommand } from './run-command.js';

/** Why a deployment failed; its message becomes the deployment's `error`. */
class DeployFailure extends Error {}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs one deployment: git step, check, then DEPLOY_COMMAND, all under DEPLOY_TIMEOUT. */
@Injectable()
export class DeployRunner {
  private readonly logger = new Logger('Deploy');
  private readonly config: Pick<
    AppConfig,
    'repoPath' | 'deployBranch' | 'pullStrategy' | 'deployCommand' | 'deployTimeoutMs'
  >;

  constructor(
    @Inject(GitService) private readonly git: GitService,
    @Inject(DeploymentStore) private readonly store: DeploymentStore,
    @Inject(ConfigService) config: ConfigService<AppConfig, true>,
  ) {
    this.config = {
      repoPath: config.get('repoPath', { infer: true }),
      deployBranch: config.get('deployBranch', { infer: true }),
      pullStrategy: config.get('pullStrategy', { infer: true }),
      deployCommand: config.get('deployCommand', { infer: true }),
      deployTimeoutMs: config.get('deployTimeoutMs', { infer: true }),
    };
  }

  /** Never throws: every outcome ends in the store as succeeded or failed. */
  async run(queued: Deployment): Promise<Deployment> {
    const label = `deployment ${queued.id} (deliveries ${queued.deliveries.join(', ')})`;
    const log = new CappedLog();
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.config.deployTimeoutMs);
    let headBefore: string | null = null;
    let headAfter: string | null = null;

    this.store.update(queued.id, { status: 'running', startedAt: new Date().toISOString() });
    this.logger.log(`${label}: running, ${this.config.pullStrategy} to ${queued.requestedSha.slice(0, 7)}`);
    try {
      headBefore = await this.git.head();
      await this.updateWorkTree(queued, deadline.signal, log);
      headAfter = await this.git.head();
      const command = this.config.deployCommand;
      if (command !== undefined) {
        this.logger.log(`${label}: work tree at ${headAfter.slice(0, 7)}, running the deploy command`);
        await this.runDeployCommand(command, queued, headBefore, headAfter, deadline.signal, log);
      }
      // The contract's success line: only once everything, the command included, worked.
      this.logger.log(`${label}: succeeded. Repository updated with commit ${headAfter.slice(0, 7)}`);
      return this.finish(queued.id, { status: 'succeeded', headBefore, headAfter, log });
    } catch (error) {
      headAfter = await this.git.head().catch(() => headAfter);
      const reason = deadline.signal.aborted
        ? `timed out after ${this.config.deployTimeoutMs / 1000}s: ${errorMessage(error)}`
        : errorMessage(error);
      this.logger.error(`${label}: failed: ${reason}`);
      log.append(`\nhookdeploy: deployment failed: ${reason}\n`);
      return this.finish(queued.id, { status: 'failed', headBefore, headAfter, log, error: reason });
    } finally {
      clearTimeout(timer);
    }
  }

  private async updateWorkTree(deployment: Deployment, signal: AbortSignal, log: CappedLog): Promise<void> {
    const branch = await this.git.currentBranch();
    if (branch !== this.config.deployBranch) {
      throw new DeployFailure(
        `work tree is on ${branch ? `branch ${branch}` : 'a detached HEAD'}, expected ${this.config.deployBranch}`,
      );
    }
    if (this.config.pullStrategy !== 'reset') {
      // `reset` discards local edits by design; the other strategies refuse to build on them.
      const changes = await this.git.trackedChanges();
      if (changes.length > 0) {
        throw new DeployFailure(`work tree has uncommitted changes: ${changes.slice(0, 5).join(', ')}`);
      }
    }
    await this.git.update(this.config.pullStrategy, this.config.deployBranch, signal, (chunk) => log.append(chunk));
    if (!(await this.git.headContains(deployment.requestedSha))) {
      throw new DeployFailure(`HEAD does not contain the pushed commit ${deployment.requestedSha}`);
    }
  }

  private async runDeployCommand(
    command: string,
    deployment: Deployment,
    headBefore: string,
    headAfter: string,
    signal: AbortSignal,
    log: CappedLog,
  ): Promise<void> {
    const env = Object.assign(operatorEnvironment(), {
      DEPLOY_SHA: headAfter,
      DEPLOY_BEFORE: headBefore,
      DEPLOY_REF: deployment.ref,
      DEPLOY_DELIVERY: deployment.deliveries.at(-1) ?? '',
      DEPLOY_ID: String(deployment.id),
    });
    log.append(`$ ${command}\n`);
    const result = await runCommand(command, { cwd: this.config.repoPath, env, signal, output: (c) => log.append(c) });
    if (result.timedOut) throw new DeployFailure('the deploy command was killed');
    if (result.exitCode !== 0) {
      throw new DeployFailure(
        result.exitCode === null
          ? `the deploy command ${result.signal ? `was killed by ${result.signal}` : 'could not start'}`
          : `the deploy command exited with code ${result.exitCode}`,
      );
    }
  }

  private finish(
    id: number,
    outcome: Pick<Deployment, 'status' | 'headBefore' | 'headAfter'> & { log: CappedLog; error?: string },
  ): Deployment {
    return this.store.update(id, {
      status: outcome.status,
      headBefore: outcome.headBefore,
      headAfter: outcome.headAfter,
      error: outcome.error ?? null,
      log: outcome.log.toString(),
      finishedAt: new Date().toISOString(),
    });
  }
}
