import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { GitEnvironmentRefusedError, GitMissingError } from '../git/git.errors.js';
import { GitService } from '../git/git.service.js';
import type { AppConfig } from './app-config.js';
import { ConfigError } from './config.error.js';
import { parseEnvironment, type Environment, type EnvSettings } from './env.schema.js';
import { githubSlug } from './github-slug.js';

/** Variables from `<cwd>/.env` under those of the environment: the environment wins. */
export function readEnvironment(env: Environment = process.env, cwd = process.cwd()): Environment {
  let fileText: string;
  try {
    fileText = readFileSync(join(cwd, '.env'), 'utf8');
  } catch {
    return env;
  }
  return { ...parseEnv(fileText), ...env };
}

/** Env-only mode's whole configuration: AppConfig and the settings it does not (yet) carry. */
export type EnvConfig = AppConfig & Pick<EnvSettings, 'githubSecretPrevious' | 'maxParallelDeploys'>;

/**
 * The whole configuration, with the defaults that come from the work tree
 * (`DEPLOY_BRANCH`, `DEPLOY_REPOSITORY`). Throws a ConfigError naming every bad variable.
 */
export async function loadConfig(env: Environment, cwd = process.cwd()): Promise<AppConfig> {
  return loadEnvConfig(env, cwd);
}

/** loadConfig(), with every setting of the environment. */
export async function loadEnvConfig(env: Environment, cwd = process.cwd()): Promise<EnvConfig> {
  const settings = parseEnvironment(env, cwd);
  if (Array.isArray(settings)) throw new ConfigError(settings);

  let facts;
  try {
    facts = await new GitService(settings.repoPath).inspect();
  } catch (error) {
    // Neither is about REPO_PATH: git could not be asked anything.
    if (error instanceof GitMissingError || error instanceof GitEnvironmentRefusedError) {
      throw new ConfigError([error.message]);
    }
    throw new ConfigError([`REPO_PATH: ${(error as Error).message}`]);
  }

  const problems: string[] = [];
  if (facts.originUrl === undefined) problems.push(`REPO_PATH: ${settings.repoPath} has no remote "origin"`);
  const deployBranch = settings.deployBranch ?? facts.branch;
  if (deployBranch === undefined) {
    problems.push('DEPLOY_BRANCH is not set and REPO_PATH has no branch checked out (detached HEAD)');
  } else if (facts.branch !== deployBranch) {
    problems.push(
      `DEPLOY_BRANCH is "${deployBranch}" but REPO_PATH has ${facts.branch ? `"${facts.branch}"` : 'a detached HEAD'} checked out`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    ...settings,
    deployBranch: deployBranch!,
    deployRepository: settings.deployRepository ?? githubSlug(facts.originUrl!),
  };
}
