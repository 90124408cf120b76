import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { parseTrustProxy } from './trust-proxy.js';
import { LOG_FORMATS, LOG_LEVELS, PULL_STRATEGIES, type AppConfig } from './app-config.js';
import type { ServerSettings } from './service-config.js';
import { BAD_BRANCH, REPOSITORY_SLUG, shortBranchName } from './git-names.js';

/** What the environment alone can tell; the git-derived defaults come later. */
export interface EnvSettings extends Omit<AppConfig, 'deployBranch'>, Pick<ServerSettings, 'maxParallelDeploys'> {
  /** The secret before a rotation, accepted as well until it is removed. */
  githubSecretPrevious: string | undefined;
  /** Undefined: the branch checked out in REPO_PATH, which loadConfig asks git for. */
  deployBranch: string | undefined;
}

/** The settings of the process itself, which a targets file leaves to the environment. */
export type ServerEnvSettings = Omit<ServerSettings, 'webhookPath'>;

export type Environment = Readonly<Record<string, string | undefined>>;

// Routes of hookdeploy itself (the API and the dashboard).
const RESERVED_PATHS = ['/health', '/deployments', '/deliveries', '/session', '/dashboard', '/metrics', '/targets'];
const SAFE_PATH = /^(\/[A-Za-z0-9._~-]+)+$/;

/** The value as it was given, for a message: zod hands the input to the error function. */
function got(issue: { input?: unknown }): string {
  return `(got "${String(issue.input)}")`;
}

/** A variable that may be unset (undefined): what the variable's schema receives then. */
const optionalText = z.string().optional();

/** A required variable: `message` when it is unset. */
function required(message: string) {
  return z.string({ error: message });
}

/** A number of seconds above 0 and at most `max`, from its text. */
function seconds(name: string, fallback: string, max: number) {
  return z
    .string()
    .default(fallback)
    .refine((raw) => /^\d+(\.\d+)?$/.test(raw) && Number(raw) > 0 && Number(raw) <= max, {
      error: (issue) => `${name} must be a number of seconds above 0 and at most ${max} ${got(issue)}`,
    })
    .transform(Number);
}

/** An integer from `min` to `max`, from its text (no sign, no exponent). */
function integer(name: string, fallback: string, min: number, max: number) {
  return z
    .string()
    .default(fallback)
    .refine((raw) => /^\d+$/.test(raw) && Number(raw) >= min && Number(raw) <= max, {
      error: (issue) => `${name} must be an integer from ${min} to ${max} ${got(issue)}`,
    })
    .transform(Number);
}

/** One of `values`, case-insensitively (LOG_LEVEL=DEBUG is how many operators write it). */
function oneOf<T extends string>(name: string, values: readonly T[], caseless = false) {
  return z
    .string()
    .refine((raw) => values.some((value) => value === (caseless ? raw.trim().toLowerCase() : raw)), {
      error: (issue) => `${name} must be one of ${values.join(', ')} ${got(issue)}`,
    })
    .transform((raw) => (caseless ? raw.trim().toLowerCase() : raw) as T);
}

/**
 * Every variable, one block each, in the order their problems are reported. Secret values
 * are never quoted back. A relative path is resolved against `cwd`.
 */
function variables(cwd: string) {
  const absolute = (path: string): string => (isAbsolute(path) ? path : resolve(cwd, path));
  return {
    GITHUB_SECRET: required('GITHUB_SECRET is required (the webhook secret set on GitHub)'),

    GITHUB_SECRET_PREVIOUS: optionalText,

    REPO_PATH: required('REPO_PATH is required (a git work tree with a remote "origin")').transform(absolute),

    PORT: integer('PORT', '8000', 0, 65535),

    HOST: z
      .string()
      .default('0.0.0.0')
      .refine((host) => !/\s/.test(host), {
        error: (issue) => `HOST must be an address or host name ${got(issue)}`,
      }),

    WEBHOOK_PATH: z
      .string()
      .default('/github')
      .refine((raw) => SAFE_PATH.test(trimSlashes(raw)) && !/\/\.{1,2}(\/|$)/.test(trimSlashes(raw)), {
        error: (issue) =>
          `WEBHOOK_PATH must be a path like /github (letters, digits, . _ ~ - and /, no . or .. segments; ${got(issue).slice(1)}`,
        abort: true,
      })
      .transform(trimSlashes)
      .refine((path) => !RESERVED_PATHS.some((reserved) => path === reserved || path.startsWith(`${reserved}/`)), {
        error: (issue) => `WEBHOOK_PATH must not be ${String(issue.input)}: that path belongs to hookdeploy's own API`,
      }),

    DEPLOY_BRANCH: optionalText
      .transform((branch) => (branch === undefined ? undefined : shortBranchName(branch)))
      .refine((branch) => branch === undefined || !BAD_BRANCH.test(branch), {
        error: (issue) => `DEPLOY_BRANCH is not a valid branch name (got "${String(issue.input)}")`,
      }),

    DEPLOY_REPOSITORY: optionalText.refine((slug) => slug === undefined || REPOSITORY_SLUG.test(slug), {
      error: (issue) => `DEPLOY_REPOSITORY must be owner/name ${got(issue)}`,
    }),

    PULL_STRATEGY: oneOf('PULL_STRATEGY', PULL_STRATEGIES).default('rebase'),

    DEPLOY_COMMAND: optionalText,

    DEPLOY_TIMEOUT: seconds('DEPLOY_TIMEOUT', '600', 86_400),

    ADMIN_TOKEN: optionalText,

    DATA_DIR: z.string().default('./data').transform(absolute),

    HISTORY_LIMIT: integer('HISTORY_LIMIT', '1000', 1, 1_000_000),

    // Unset: json when NODE_ENV=production, else pretty (decided in parseEnvironment()).
    LOG_FORMAT: oneOf('LOG_FORMAT', LOG_FORMATS, true).optional(),

    LOG_LEVEL: oneOf('LOG_LEVEL', LOG_LEVELS, true).default('info'),

    // Slow clients: how long a client may take to send its headers, and its whole request.
    HEADERS_TIMEOUT: seconds('HEADERS_TIMEOUT', '20', 3600),
    REQUEST_TIMEOUT: seconds('REQUEST_TIMEOUT', '60', 3600),

    // Unsigned bodies in flight, in MiB: at least one maximal (25 MiB) GitHub delivery.
    WEBHOOK_BODY_BUDGET: z
      .string()
      .default('64')
      .refine((raw) => /^\d+$/.test(raw) && Number(raw) >= 25 && Number(raw) <= 65_536, {
        error: (issue) => `WEBHOOK_BODY_BUDGET must be a whole number of MiB from 25 to 65536 ${got(issue)}`,
      })
      .transform(Number),

    // Open connections at most: each is an open file, and git and the deploy command need free ones.
    MAX_CONNECTIONS: integer('MAX_CONNECTIONS', '512', 1, 100_000),

    // Whose X-Forwarded-For to believe for the client address (the login throttle): unset, nobody's.
    TRUST_PROXY: optionalText.transform((raw, context) => {
      const parsed = parseTrustProxy(raw);
      if (typeof parsed !== 'string') return parsed;
      context.addIssue({ code: 'custom', message: parsed });
      return z.NEVER;
    }),

    // At most this many targets deploy at the same time (each target deploys one at a time anyway).
    MAX_PARALLEL_DEPLOYS: integer('MAX_PARALLEL_DEPLOYS', '2', 1, 64),
  };
}

/** The variables of the process itself: everything but the one target of env-only mode. */
const SERVER_VARIABLES = [
  'PORT',
  'HOST',
  'ADMIN_TOKEN',
  'DATA_DIR',
  'HISTORY_LIMIT',
  'LOG_FORMAT',
  'LOG_LEVEL',
  'HEADERS_TIMEOUT',
  'REQUEST_TIMEOUT',
  'WEBHOOK_BODY_BUDGET',
  'MAX_CONNECTIONS',
  'TRUST_PROXY',
  'MAX_PARALLEL_DEPLOYS',
] as const;

/** `/hooks/github/` → `/hooks/github`; `/` stays `/` (and is then refused as no path). */
function trimSlashes(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

/** Empty means unset: `.env.example` lists optional variables with empty values. */
function withoutBlanks(env: Environment, names: readonly string[]): Record<string, string | undefined> {
  return Object.fromEntries(names.map((name) => [name, env[name]?.trim() === '' ? undefined : env[name]]));
}

function headersWithinRequest(
  settings: { HEADERS_TIMEOUT: number; REQUEST_TIMEOUT: number },
  context: z.RefinementCtx,
): void {
  // Only between two valid values: one problem per variable is enough.
  const { HEADERS_TIMEOUT: headers, REQUEST_TIMEOUT: request } = settings;
  if (typeof headers === 'number' && typeof request === 'number' && headers > request) {
    context.addIssue({
      code: 'custom',
      message: `HEADERS_TIMEOUT must not be greater than REQUEST_TIMEOUT, which includes the headers (got ${headers} and ${request})`,
    });
  }
}

function serverSettings(
  parsed: z.infer<z.ZodObject<Pick<ReturnType<typeof variables>, (typeof SERVER_VARIABLES)[number]>>>,
  env: Environment,
): ServerEnvSettings {
  const logFormat = parsed.LOG_FORMAT ?? (env.NODE_ENV?.trim() === 'production' ? 'json' : 'pretty');
  return {
    port: parsed.PORT,
    host: parsed.HOST,
    adminToken: parsed.ADMIN_TOKEN,
    dataDir: parsed.DATA_DIR,
    historyLimit: parsed.HISTORY_LIMIT,
    logFormat,
    logLevel: parsed.LOG_LEVEL,
    headersTimeoutMs: Math.ceil(parsed.HEADERS_TIMEOUT * 1000),
    requestTimeoutMs: Math.ceil(parsed.REQUEST_TIMEOUT * 1000),
    webhookBodyBudgetBytes: parsed.WEBHOOK_BODY_BUDGET * 1024 * 1024,
    maxConnections: parsed.MAX_CONNECTIONS,
    trustProxy: parsed.TRUST_PROXY,
    maxParallelDeploys: parsed.MAX_PARALLEL_DEPLOYS,
  };
}

/**
 * Validates every variable and reports every problem at once, so that one boot
 * attempt tells the operator everything that is wrong. Secret values are never
 * quoted back.
 */
export function parseEnvironment(env: Environment, cwd = process.cwd()): EnvSettings | string[] {
  const shape = variables(cwd);
  const result = z
    .object(shape)
    .superRefine(headersWithinRequest)
    .safeParse(withoutBlanks(env, Object.keys(shape)));
  if (!result.success) return result.error.issues.map((issue) => issue.message);
  const parsed = result.data;
  return {
    githubSecret: parsed.GITHUB_SECRET,
    githubSecretPrevious: parsed.GITHUB_SECRET_PREVIOUS,
    repoPath: parsed.REPO_PATH,
    webhookPath: parsed.WEBHOOK_PATH,
    deployBranch: parsed.DEPLOY_BRANCH,
    deployRepository: parsed.DEPLOY_REPOSITORY,
    pullStrategy: parsed.PULL_STRATEGY,
    deployCommand: parsed.DEPLOY_COMMAND,
    // Rounded up: a tiny positive timeout must not become 0 ms.
    deployTimeoutMs: Math.ceil(parsed.DEPLOY_TIMEOUT * 1000),
    ...serverSettings(parsed, env),
  };
}

/** The server settings alone: what a targets file leaves to the environment. */
export function parseServerEnvironment(env: Environment, cwd = process.cwd()): ServerEnvSettings | string[] {
  const shape = z.object(variables(cwd)).pick(
    Object.fromEntries(SERVER_VARIABLES.map((name) => [name, true])) as {
      [name in (typeof SERVER_VARIABLES)[number]]: true;
    },
  );
  const result = shape.superRefine(headersWithinRequest).safeParse(withoutBlanks(env, SERVER_VARIABLES));
  if (!result.success) return result.error.issues.map((issue) => issue.message);
  return serverSettings(result.data, env);
}
