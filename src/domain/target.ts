import type { ForgeName } from './forge-name.js';
import type { PullStrategy } from './pull-strategy.js';

/** The id of the one target env-only mode defines, served at WEBHOOK_PATH and /hooks/default. */
export const DEFAULT_TARGET_ID = 'default';

/** A target id is a URL path segment (`POST /hooks/<id>`) and a metric label value. */
export const TARGET_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** One deployed work tree: where pushes come from, how they prove themselves, what a deploy does. */
export interface Target {
  id: string;
  forge: ForgeName;
  /** One or more; a delivery is authentic when any matches (rotation: the newest first). */
  secrets: readonly string[];
  /** Absolute path of the work tree; '' for a fleet target on the hub (its hosts have the work trees). */
  repoPath: string;
  /** Only pushes to `refs/heads/<branch>` deploy. */
  branch: string;
  /** `owner/name` (GitLab: `group/sub/name`); undefined accepts any repository. */
  repository: string | undefined;
  strategy: PullStrategy;
  command: string | undefined;
  timeoutMs: number;
  /** Release mode (`mode: release`, config file only); absent: the work tree is deployed in place. */
  release?: ReleaseSettings;
  /** Status back to the forge (config file only); absent: nothing is reported. */
  report?: ReportSettings;
  /** A fleet (config file only, the hub's side): the agents deploy; absent: this process deploys. */
  fleet?: FleetSettings;
}

export type Rollout = 'parallel' | 'rolling';

/** `hosts`, `rollout`, `hostTimeout` of a hub's target: each host's agent deploys its own work tree. */
export interface FleetSettings {
  /** Agent names (AGENT_HOST), in rollout order; same pattern as a target id. */
  hosts: readonly string[];
  /** `parallel`: all at once; `rolling`: one after another, the first failure skips the rest. */
  rollout: Rollout;
  /** A host not finished this long after its job reached Redis is `failed` ("host offline" if it never started). */
  hostTimeoutMs: number;
}

export type DeployMode = 'in-place' | 'release';

export function deployMode(target: Pick<Target, 'release'>): DeployMode {
  return target.release === undefined ? 'in-place' : 'release';
}

/** `releases/<id>-<sha7>` under `path`, an atomic `current` symlink, build before and activate after the switch. */
export interface ReleaseSettings {
  /** Absolute; holds `releases/`, `shared/` and the symlink `current`. */
  path: string;
  /** Successful releases kept (never the current one, never the one before it). */
  keep: number;
  /** Relative paths linked from `<path>/shared/<name>` into every release. */
  shared: readonly string[];
  /** Runs inside the new release, before the switch. */
  build: string | undefined;
  /** Runs in `<path>/current` after the switch. */
  activate: string | undefined;
  healthCheck: HealthCheckSettings | undefined;
}

export interface HealthCheckSettings {
  /** http(s): after activate it must answer 2xx within `timeoutMs`. */
  url: string;
  timeoutMs: number;
}

export interface ReportSettings {
  /** A secret: never logged, never answered. */
  token: string;
  /** The API root; undefined: the forge's public default. */
  apiUrl: string | undefined;
  /** GitHub Deployments environment. */
  environment: string;
  /** Where links to a deployment point (GitHub's log_url, the other forges' target_url). */
  publicUrl: string | undefined;
}
