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
  /** Absolute path of the work tree. */
  repoPath: string;
  /** Only pushes to `refs/heads/<branch>` deploy. */
  branch: string;
  /** `owner/name` (GitLab: `group/sub/name`); undefined accepts any repository. */
  repository: string | undefined;
  strategy: PullStrategy;
  command: string | undefined;
  timeoutMs: number;
}
