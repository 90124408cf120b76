import { isAbsolute, resolve } from 'node:path';
import {
  LOG_FORMATS,
  LOG_LEVELS,
  PULL_STRATEGIES,
  type LogFormat,
  type LogLevel,
  type PullStrategy,
} from './app-config.js';
import { parseTrustProxy, type TrustProxy } from './trust-proxy.js';

/** What the environment alone can tell; the git-derived defaults come later. */
export interface EnvSettings {
  githubSecret: string;
  repoPath: string;
  port: number;
  host: string;
  webhookPath: string;
  deployBranch: string | undefined;
  deployRepository: string | undefined;
  pullStrategy: PullStrategy;
  deployCommand: string | undefined;
  deployTimeoutMs: number;
  adminToken: string | undefined;
  dataDir: string;
  historyLimit: number;
  logFormat: LogFormat;
  logLevel: LogLevel;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  trustProxy: TrustProxy;
}

export type Environment = Readonly<Record<string, string | undefined>>;

// Routes of hookdeploy itself (the API and the dashboard).
const RESERVED_PATHS = ['/health', '/deployments', '/deliveries', '/session', '/dashboard', '/metrics'];
const SAFE_PATH = /^(\/[A-Za-z0-9._~-]+)+$/;
const REPOSITORY_SLUG = /^[\w.-]+\/[\w.-]+$/;
// The subset of `git check-ref-format` rules that a branch name can break by accident
// (control characters included, hence the disable).
// eslint-disable-next-line no-control-regex
const BAD_BRANCH = /(^[-/.])|([/.]$)|\.\.|@\{|\/\/|\/\.|[\s~^:?*[\\\x00-\x1f\x7f]|\.lock$|^@$/;

/** Empty means unset: `.env.example` lists optional variables with empty values. */
function value(env: Environment, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw;
}

/**
 * Validates every variable and reports every problem at once, so that one boot
 * attempt tells the operator everything that is wrong. Secret values are never
 * quoted back.
 */
export function parseEnvironment(env: Environment, cwd = process.cwd()): EnvSettings | string[] {
  const problems: string[] = [];

  const githubSecret = value(env, 'GITHUB_SECRET');
  if (githubSecret === undefined) problems.push('GITHUB_SECRET is required (the webhook secret set on GitHub)');

  const rawRepoPath = value(env, 'REPO_PATH');
  if (rawRepoPath === undefined) problems.push('REPO_PATH is required (a git work tree with a remote "origin")');
  const repoPath = rawRepoPath === undefined ? '' : isAbsolute(rawRepoPath) ? rawRepoPath : resolve(cwd, rawRepoPath);

  const rawPort = value(env, 'PORT') ?? '8000';
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65535) {
    problems.push(`PORT must be an integer from 0 to 65535 (got "${rawPort}")`);
  }

  const host = value(env, 'HOST') ?? '0.0.0.0';
  if (/\s/.test(host)) problems.push(`HOST must be an address or host name (got "${host}")`);

  const rawWebhookPath = value(env, 'WEBHOOK_PATH') ?? '/github';
  const webhookPath = rawWebhookPath.length > 1 ? rawWebhookPath.replace(/\/+$/, '') : rawWebhookPath;
  if (!SAFE_PATH.test(webhookPath) || /\/\.{1,2}(\/|$)/.test(webhookPath)) {
    problems.push(
      `WEBHOOK_PATH must be a path like /github (letters, digits, . _ ~ - and /, no . or .. segments; got "${rawWebhookPath}")`,
    );
  } else if (RESERVED_PATHS.some((reserved) => webhookPath === reserved || webhookPath.startsWith(`${reserved}/`))) {
    problems.push(`WEBHOOK_PATH must not be ${webhookPath}: that path belongs to hookdeploy's own API`);
  }

  const deployBranch = value(env, 'DEPLOY_BRANCH')?.replace(/^refs\/heads\//, '');
  if (deployBranch !== undefined && BAD_BRANCH.test(deployBranch)) {
    problems.push(`DEPLOY_BRANCH is not a valid branch name (got "${deployBranch}")`);
  }

  const deployRepository = value(env, 'DEPLOY_REPOSITORY');
  if (deployRepository !== undefined && !REPOSITORY_SLUG.test(deployRepository)) {
    problems.push(`DEPLOY_REPOSITORY must be owner/name (got "${deployRepository}")`);
  }

  const rawStrategy = value(env, 'PULL_STRATEGY') ?? 'rebase';
  const pullStrategy = PULL_STRATEGIES.find((strategy) => strategy === rawStrategy);
  if (pullStrategy === undefined) {
    problems.push(`PULL_STRATEGY must be one of ${PULL_STRATEGIES.join(', ')} (got "${rawStrategy}")`);
  }

  const rawTimeout = value(env, 'DEPLOY_TIMEOUT') ?? '600';
  const timeoutSeconds = Number(rawTimeout);
  if (!/^\d+(\.\d+)?$/.test(rawTimeout) || timeoutSeconds <= 0 || timeoutSeconds > 86_400) {
    problems.push(`DEPLOY_TIMEOUT must be a number of seconds above 0 and at most 86400 (got "${rawTimeout}")`);
  }

  const rawDataDir = value(env, 'DATA_DIR') ?? './data';
  const dataDir = isAbsolute(rawDataDir) ? rawDataDir : resolve(cwd, rawDataDir);

  const rawHistoryLimit = value(env, 'HISTORY_LIMIT') ?? '1000';
  const historyLimit = Number(rawHistoryLimit);
  if (!/^\d+$/.test(rawHistoryLimit) || historyLimit < 1 || historyLimit > 1_000_000) {
    problems.push(`HISTORY_LIMIT must be an integer from 1 to 1000000 (got "${rawHistoryLimit}")`);
  }

  // Case-insensitive: LOG_LEVEL=DEBUG is how many operators write it.
  const rawLogFormat = value(env, 'LOG_FORMAT') ?? (value(env, 'NODE_ENV') === 'production' ? 'json' : 'pretty');
  const logFormat = LOG_FORMATS.find((format) => format === rawLogFormat.trim().toLowerCase());
  if (logFormat === undefined) {
    problems.push(`LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')} (got "${rawLogFormat}")`);
  }

  const rawLogLevel = value(env, 'LOG_LEVEL') ?? 'info';
  const logLevel = LOG_LEVELS.find((level) => level === rawLogLevel.trim().toLowerCase());
  if (logLevel === undefined) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${rawLogLevel}")`);
  }

  // Slow clients: how long a client may take to send its headers, and its whole request.
  const headersTimeout = seconds(env, 'HEADERS_TIMEOUT', '20', problems);
  const requestTimeout = seconds(env, 'REQUEST_TIMEOUT', '60', problems);
  if (headersTimeout !== undefined && requestTimeout !== undefined && headersTimeout > requestTimeout) {
    problems.push(
      `HEADERS_TIMEOUT must not be greater than REQUEST_TIMEOUT, which includes the headers (got ${headersTimeout} and ${requestTimeout})`,
    );
  }

  const trustProxy = parseTrustProxy(value(env, 'TRUST_PROXY'));
  if (typeof trustProxy === 'string') problems.push(trustProxy);

  if (problems.length > 0) return problems;
  return {
    githubSecret: githubSecret!,
    repoPath,
    port,
    host,
    webhookPath,
    deployBranch,
    deployRepository,
    pullStrategy: pullStrategy!,
    deployCommand: value(env, 'DEPLOY_COMMAND'),
    // Rounded up: a tiny positive timeout must not become 0 ms.
    deployTimeoutMs: Math.ceil(timeoutSeconds * 1000),
    adminToken: value(env, 'ADMIN_TOKEN'),
    dataDir,
    historyLimit,
    logFormat: logFormat!,
    logLevel: logLevel!,
    headersTimeoutMs: Math.ceil(headersTimeout! * 1000),
    requestTimeoutMs: Math.ceil(requestTimeout! * 1000),
    trustProxy: trustProxy as TrustProxy,
  };
}

/** A number of seconds above 0 and at most an hour; undefined (and a problem) when it is not. */
function seconds(env: Environment, name: string, fallback: string, problems: string[]): number | undefined {
  const raw = value(env, name) ?? fallback;
  const parsed = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || parsed <= 0 || parsed > 3600) {
    problems.push(`${name} must be a number of seconds above 0 and at most 3600 (got "${raw}")`);
    return undefined;
  }
  return parsed;
}
