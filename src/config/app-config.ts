import type { PullStrategy } from '../domain/pull-strategy.js';
import type { ServerSettings } from './service-config.js';

// Where they were first defined; kept for the code that imports them from here.
export { PULL_STRATEGIES, type PullStrategy } from '../domain/pull-strategy.js';

/** `json`: one JSON object per line (for journald, Loki, jq); `pretty`: one readable line each. */
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
/** pino's levels, most severe first; `silent` logs nothing. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The validated configuration, as the rest of the application sees it (env-only mode). */
export interface AppConfig extends Omit<ServerSettings, 'webhookPath' | 'maxParallelDeploys'> {
  githubSecret: string;
  /** Absolute path of the deployed work tree. */
  repoPath: string;
  webhookPath: string;
  deployBranch: string;
  /** `owner/name`; undefined means deliveries from any repository are accepted. */
  deployRepository: string | undefined;
  pullStrategy: PullStrategy;
  deployCommand: string | undefined;
  deployTimeoutMs: number;
}

/** Names of the variables whose values must never be echoed anywhere. */
export const SECRET_VARIABLES = ['GITHUB_SECRET', 'GITHUB_SECRET_PREVIOUS', 'ADMIN_TOKEN'] as const;
