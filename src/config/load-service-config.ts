import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DEFAULT_TARGET_ID, type Target } from '../domain/target.js';
import { SECRET_VARIABLES } from './app-config.js';
import { checkRepositories } from './check-repositories.js';
import { ConfigError } from './config.error.js';
import { parseServerEnvironment, type Environment } from './env.schema.js';
import { loadEnvConfig } from './load-config.js';
import type { ServiceConfig } from './service-config.js';
import type { ConfigRole } from './target.schema.js';
import { parseRedisUrl, REDIS_URL_VARIABLE } from '../fleet/redis-url.js';

/** The variable that switches from env-only mode to the targets file. */
export const CONFIG_FILE_VARIABLE = 'HOOKDEPLOY_CONFIG';

/**
 * The variables that describe env-only mode's one target. With a targets file each target
 * says these things itself: one of them set as well is an error, not a value silently
 * ignored. WEBHOOK_PATH is one of them: with a file, targets are served at /hooks/<id> only.
 */
export const ENV_TARGET_VARIABLES = [
  'GITHUB_SECRET',
  'GITHUB_SECRET_PREVIOUS',
  'REPO_PATH',
  'DEPLOY_BRANCH',
  'DEPLOY_REPOSITORY',
  'PULL_STRATEGY',
  'DEPLOY_COMMAND',
  'DEPLOY_TIMEOUT',
  'WEBHOOK_PATH',
] as const;

/** A targets file larger than this is refused unread: a typo in the path can name anything. */
const MAX_FILE_BYTES = 1024 * 1024;

/** What a re-read of the targets file gives: the new targets, or why the old ones stay. */
export type ReloadResult =
  { ok: true; targets: Target[]; secretVariables: string[] } | { ok: false; problems: string[] };

function isSet(env: Environment, name: string): boolean {
  return (env[name]?.trim() ?? '') !== '';
}

/**
 * The whole configuration, in either mode, with every repository checked. Throws a
 * ConfigError listing every problem (the file's with their line and column). `role`: `agent`
 * for `hookdeploy agent`, whose file needs no `secrets`.
 */
export async function loadServiceConfig(
  env: Environment,
  cwd = process.cwd(),
  role: ConfigRole = 'service',
): Promise<ServiceConfig> {
  const file = env[CONFIG_FILE_VARIABLE]?.trim();
  return file ? loadFileConfig(resolve(cwd, file), env, cwd, role) : loadEnvOnlyConfig(env, cwd);
}

async function loadEnvOnlyConfig(env: Environment, cwd: string): Promise<ServiceConfig> {
  const config = await loadEnvConfig(env, cwd);
  const secrets = [
    config.githubSecret,
    ...(config.githubSecretPrevious === undefined ? [] : [config.githubSecretPrevious]),
  ];
  return {
    port: config.port,
    host: config.host,
    webhookPath: config.webhookPath,
    adminToken: config.adminToken,
    dataDir: config.dataDir,
    historyLimit: config.historyLimit,
    logFormat: config.logFormat,
    logLevel: config.logLevel,
    headersTimeoutMs: config.headersTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    webhookBodyBudgetBytes: config.webhookBodyBudgetBytes,
    maxConnections: config.maxConnections,
    trustProxy: config.trustProxy,
    maxParallelDeploys: config.maxParallelDeploys,
    targets: [
      {
        id: DEFAULT_TARGET_ID,
        forge: 'github',
        secrets,
        repoPath: config.repoPath,
        branch: config.deployBranch,
        repository: config.deployRepository,
        strategy: config.pullStrategy,
        command: config.deployCommand,
        timeoutMs: config.deployTimeoutMs,
      },
    ],
    source: { kind: 'env' },
    secretVariables: [...SECRET_VARIABLES, REDIS_URL_VARIABLE],
  };
}

async function loadFileConfig(path: string, env: Environment, cwd: string, role: ConfigRole): Promise<ServiceConfig> {
  const problems: string[] = [];
  for (const name of ENV_TARGET_VARIABLES) {
    if (!isSet(env, name)) continue;
    problems.push(
      name === 'WEBHOOK_PATH'
        ? `WEBHOOK_PATH must not be set with ${CONFIG_FILE_VARIABLE}: each target of the file is served at /hooks/<id>`
        : `${name} must not be set with ${CONFIG_FILE_VARIABLE}: each target of ${path} has its own settings`,
    );
  }

  const settings = parseServerEnvironment(env, cwd);
  if (Array.isArray(settings)) problems.push(...settings);

  const targets = await readTargets(path, env, role);
  if (!targets.ok) problems.push(...targets.problems);
  const redis = parseRedisUrl(env);
  if ('problem' in redis) problems.push(redis.problem);
  const fleet = targets.ok ? targets.targets.filter((target) => target.fleet !== undefined) : [];
  if ('url' in redis && redis.url === undefined && fleet.length > 0) {
    problems.push(
      `${REDIS_URL_VARIABLE} is required: target ${fleet[0].id} has hosts, and the hub hands their jobs over through Redis`,
    );
  }
  if (problems.length > 0 || Array.isArray(settings) || !targets.ok) throw new ConfigError(problems);

  return {
    ...settings,
    webhookPath: undefined,
    targets: targets.targets,
    source: { kind: 'file', path },
    secretVariables: [...SECRET_VARIABLES, REDIS_URL_VARIABLE, ...targets.secretVariables],
    ...('url' in redis && redis.url !== undefined && { redisUrl: redis.url }),
  };
}

/**
 * Reads, validates and checks the targets file at `path` (absolute): every problem, never a throw.
 */
export async function readTargets(path: string, env: Environment, role: ConfigRole = 'service'): Promise<ReloadResult> {
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) return { ok: false, problems: [`${CONFIG_FILE_VARIABLE}: ${path} is not a file`] };
    if (info.size > MAX_FILE_BYTES) {
      return {
        ok: false,
        problems: [`${CONFIG_FILE_VARIABLE}: ${path} is larger than 1 MiB; is it the targets file?`],
      };
    }
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'does not exist'
        : `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
    return { ok: false, problems: [`${CONFIG_FILE_VARIABLE}: ${path} ${reason}`] };
  }

  // Loaded only with a targets file: env-only mode never pays for the YAML parser's memory.
  const { parseTargetsFile } = await import('./targets-file.js');
  const file = parseTargetsFile(text, path, env, role);
  const checked = await checkRepositories(file.targets);
  const problems = [...file.problems, ...checked.problems];
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, targets: checked.targets, secretVariables: file.secretVariables };
}

/**
 * SIGHUP: the targets file read again, with every check of the boot. An invalid file gives
 * its problems and must change nothing; the caller keeps the targets it has. Never throws.
 */
export async function reloadTargets(config: ServiceConfig, env: Environment): Promise<ReloadResult> {
  if (config.source.kind === 'env') {
    return {
      ok: false,
      problems: [`env-only mode has no targets file to re-read (${CONFIG_FILE_VARIABLE} is not set)`],
    };
  }
  try {
    const result = await readTargets(config.source.path, env);
    // REDIS_URL is a server setting (read at boot only): a reload cannot add the broker a fleet needs.
    const fleet = result.ok ? result.targets.find((target) => target.fleet !== undefined) : undefined;
    if (fleet !== undefined && config.redisUrl === undefined) {
      return {
        ok: false,
        problems: [`${REDIS_URL_VARIABLE} was not set at start: target ${fleet.id} has hosts; restart with it set`],
      };
    }
    return result;
  } catch (error) {
    return { ok: false, problems: [`${config.source.path}: could not be re-read: ${String(error)}`] };
  }
}
