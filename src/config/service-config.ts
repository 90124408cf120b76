import type { Target } from '../domain/target.js';
import type { LogFormat, LogLevel } from './app-config.js';
import type { TrustProxy } from './trust-proxy.js';

/** Where the targets come from: the environment (one target, `default`) or the targets file. */
export type ConfigSource = { kind: 'env' } | { kind: 'file'; path: string };

/**
 * The settings of the process itself, from the environment in both modes: declared here
 * only; AppConfig and EnvSettings take theirs from this.
 */
export interface ServerSettings {
  port: number;
  host: string;
  /**
   * Env-only mode: the path the `default` target is served at besides `/hooks/default`.
   * File mode: undefined, every target is served at `/hooks/<id>` only.
   */
  webhookPath: string | undefined;
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
  /** Bytes of webhook bodies held at once, before their signature is checked (WEBHOOK_BODY_BUDGET). */
  webhookBodyBudgetBytes: number;
  /** Open connections at most (server.maxConnections, MAX_CONNECTIONS); kept well below the open-file limit. */
  maxConnections: number;
  /** Whose X-Forwarded-For names the client (Express's `trust proxy`; TRUST_PROXY). */
  trustProxy: TrustProxy;
  /** How many targets may deploy at the same time. */
  maxParallelDeploys: number;
}

/** The validated configuration of a hookdeploy process with one or more targets. */
export interface ServiceConfig extends ServerSettings {
  /** At least one; ids unique, work trees distinct, each checked against its repository. */
  targets: Target[];
  source: ConfigSource;
  /**
   * Names of the environment variables whose values are secrets (ADMIN_TOKEN, GITHUB_SECRET,
   * GITHUB_SECRET_PREVIOUS, and every variable a target's `secrets` references): kept out
   * of git's and the deploy command's environment like the built-in ones.
   */
  secretVariables: string[];
  /** REDIS_URL (a secret: it may hold a password): the fleet's broker; required when a target has hosts, and for an agent. */
  redisUrl?: string;
}
