import type { PullStrategy } from '../domain/pull-strategy.js';
import type { TrustProxy } from './trust-proxy.js';

// Where they were first defined; kept for the code that imports them from here.
export { PULL_STRATEGIES, type PullStrategy } from '../domain/pull-strategy.js';

/** `json`: one JSON object per line (for journald, Loki, jq); `pretty`: one readable line each. */
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
/** pino's levels, most severe first; `silent` logs nothing. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The validated configuration, as the rest of the application sees it. */
export interface AppConfig {
  githubSecret: string;
  /** Absolute path of the deployed work tree. */
  repoPath: string;
  port: number;
  host: string;
  webhookPath: string;
  deployBranch: string;
  /** `owner/name`; undefined means deliveries from any repository are accepted. */
  deployRepository: string | undefined;
  pullStrategy: PullStrategy;
  deployCommand: string | undefined;
  deployTimeoutMs: number;
  adminToken: string | undefined;
  /** Absolute directory of hookdeploy.db. */
  dataDir: string;
  /** How many deployments (with their deliveries) the history keeps. */
  historyLimit: number;
  logFormat: LogFormat;
  logLevel: LogLevel;
  /** How long a client may take to send its request headers (Node's server.headersTimeout). */
  headersTimeoutMs: number;
  /** How long a client may take to send its whole request, body included (server.requestTimeout). */
  requestTimeoutMs: number;
  /** Webhook body bytes held at once across all requests, before their signature is checked. */
  webhookBodyBudgetBytes: number;
  /** Open connections at most (Node's server.maxConnections); kept well below the open-file limit. */
  maxConnections: number;
  /** Which peers' X-Forwarded-For names the client (Express's `trust proxy`); false: none. */
  trustProxy: TrustProxy;
}

/** Names of the variables whose values must never be echoed anywhere. */
export const SECRET_VARIABLES = ['GITHUB_SECRET', 'GITHUB_SECRET_PREVIOUS', 'ADMIN_TOKEN'] as const;
