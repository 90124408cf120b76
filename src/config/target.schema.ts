import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { FORGE_NAMES, type ForgeName } from '../domain/forge-name.js';
import { PULL_STRATEGIES, type PullStrategy } from '../domain/pull-strategy.js';
import { TARGET_ID_PATTERN, type FleetSettings, type ReleaseSettings, type ReportSettings } from '../domain/target.js';
import { BAD_BRANCH, NESTED_REPOSITORY_SLUG, REPOSITORY_SLUG, shortBranchName } from './git-names.js';

/** A target as the file describes it: what git must still tell (the default branch, repository) is open. */
export interface TargetDraft {
  id: string;
  forge: ForgeName;
  secrets: string[];
  repoPath: string;
  branch: string | undefined;
  repository: string | undefined;
  strategy: PullStrategy;
  command: string | undefined;
  timeoutMs: number;
  release: ReleaseSettings | undefined;
  report: ReportSettings | undefined;
  /** `hosts` given: a fleet target (repoPath is then ''). */
  fleet: FleetSettings | undefined;
}

/**
 * Who reads the file: the service (hub or single host) verifies webhooks with each target's
 * secrets; an agent (`hookdeploy agent`) only takes jobs from Redis, so `secrets` is optional there.
 */
export type ConfigRole = 'service' | 'agent';

/** Every key a target may have, in the order the README lists them. */
export const TARGET_KEYS = [
  'id',
  'forge',
  'secrets',
  'repoPath',
  'branch',
  'repository',
  'strategy',
  'command',
  'timeout',
  'mode',
  'releases',
  'build',
  'activate',
  'healthCheck',
  'report',
  'hosts',
  'rollout',
  'hostTimeout',
] as const;

/** What each agent's own file says for a fleet target: the hub never deploys, and never tells an agent what to run. */
const AGENT_ONLY_KEYS = [
  'repoPath',
  'strategy',
  'command',
  'mode',
  'releases',
  'build',
  'activate',
  'healthCheck',
] as const;

/** The keys that only mean something with `mode: release`. */
const RELEASE_ONLY_KEYS = ['releases', 'build', 'activate', 'healthCheck'] as const;

const MAX_TIMEOUT_SECONDS = 86_400;

/** A string, with "is required" for a missing key rather than zod's "expected string, received undefined". */
function text(required: boolean) {
  return z
    .string({
      error: (issue) => (issue.input === undefined || issue.input === null ? 'is required' : 'must be a string'),
    })
    .refine((value) => value.trim() !== '', {
      error: required ? 'is required' : 'must not be empty (leave the key out)',
    });
}

/** `key:` with nothing after it is the key left out: YAML reads it as null. */
function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === null ? undefined : value), schema.optional());
}

// Numbers may come as strings: `timeout: ${DEPLOY_SECONDS}` is a string after interpolation.
const seconds = z.preprocess(
  (value) => (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value),
  z
    .number({ error: 'must be a number of seconds' })
    .gt(0, { error: `must be a number of seconds above 0 and at most ${MAX_TIMEOUT_SECONDS}` })
    .lte(MAX_TIMEOUT_SECONDS, { error: `must be a number of seconds above 0 and at most ${MAX_TIMEOUT_SECONDS}` }),
);

// A positive whole number, also from a string (`keep: ${KEEP}`).
const count = z.preprocess(
  (value) => (typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value),
  z
    .number({ error: 'must be a whole number of 1 or more' })
    .int({ error: 'must be a whole number of 1 or more' })
    .gte(1, { error: 'must be a whole number of 1 or more' })
    .lte(1000, { error: 'must be at most 1000' }),
);

function httpUrl(what: string) {
  return text(false).refine(
    (value) => {
      try {
        const url = new URL(value);
        // Credentials are sent decoded (Basic authentication): a stray `%` must fail here, not at every deploy.
        decodeURIComponent(url.username);
        decodeURIComponent(url.password);
        return url.protocol === 'http:' || url.protocol === 'https:';
      } catch {
        return false;
      }
    },
    { error: `must be an http:// or https:// URL (${what})` },
  );
}

/** A path inside a release: relative, no `..`, not `.git`. */
const sharedEntry = text(true).refine(
  (entry) => {
    if (isAbsolute(entry)) return false;
    const parts = entry.split('/').filter((part) => part !== '' && part !== '.');
    return parts.length > 0 && !parts.includes('..') && parts[0] !== '.git';
  },
  { error: 'must be a path inside the release (relative, without .., not .git)' },
);

const releasesSchema = z.strictObject(
  {
    path: text(true).refine((path) => isAbsolute(path), { error: 'must be an absolute path' }),
    keep: optional(count),
    shared: optional(z.array(sharedEntry, { error: 'must be a list of paths, e.g. [.env, storage]' })),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'must be a mapping with path, keep, shared' : undefined) },
);

const healthCheckSchema = z.strictObject(
  {
    url: httpUrl('the health check'),
    timeout: optional(seconds),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'must be a mapping with url and timeout' : undefined) },
);

const reportSchema = z.strictObject(
  {
    token: text(true),
    apiUrl: optional(httpUrl("the forge's API root")),
    environment: optional(text(false)),
    publicUrl: optional(httpUrl("hookdeploy's public address")),
  },
  {
    error: (issue) =>
      issue.code === 'invalid_type' ? 'must be a mapping with token, apiUrl, environment, publicUrl' : undefined,
  },
);

/** Forges whose API has one public address (reportApiRoot() in src/report knows it). */
function hasPublicApi(forge: ForgeName): boolean {
  return forge === 'github' || forge === 'gitlab' || forge === 'bitbucket';
}

const API_URL_EXAMPLE: Partial<Record<ForgeName, string>> = {
  gitea: 'https://gitea.example.com/api/v1',
  forgejo: 'https://forgejo.example.com/api/v1',
  'bitbucket-server': 'https://bitbucket.example.com',
};

/**
 * One target of the file. Strict: an unknown key is an error, so that a typo (`comand:`)
 * never passes silently. Messages never quote a value: a secret may be written inline.
 */
export const targetSchema = z
  .strictObject(
    {
      id: text(true).refine((id) => TARGET_ID_PATTERN.test(id), {
        error: 'must be 1 to 63 lowercase letters, digits or -, starting with a letter or digit (it is a URL segment)',
      }),
      forge: optional(z.enum(FORGE_NAMES, { error: `must be one of ${FORGE_NAMES.join(', ')}` })),
      // Required by the service, not by an agent (which never receives a webhook): parseTargetsFile checks it.
      secrets: optional(
        z
          .array(text(true).pipe(z.string()), {
            error: 'must be a list of 1 or more secrets, e.g. ["${SITE_SECRET}"]',
          })
          .min(1, { error: 'must hold at least one secret' }),
      ),
      // Required unless `hosts` is given (checked below, where both are known).
      repoPath: optional(text(true).refine((path) => isAbsolute(path), { error: 'must be an absolute path' })),
      branch: optional(
        text(false)
          .transform(shortBranchName)
          .refine((branch) => !BAD_BRANCH.test(branch), { error: 'is not a valid branch name' }),
      ),
      repository: optional(
        text(false).refine((slug) => NESTED_REPOSITORY_SLUG.test(slug), {
          error: 'must be owner/name (GitLab: group/subgroup/name)',
        }),
      ),
      strategy: optional(z.enum(PULL_STRATEGIES, { error: `must be one of ${PULL_STRATEGIES.join(', ')}` })),
      command: optional(text(false)),
      timeout: optional(seconds),
      mode: optional(z.enum(['in-place', 'release'], { error: 'must be in-place or release' })),
      releases: optional(releasesSchema),
      build: optional(text(false)),
      activate: optional(text(false)),
      healthCheck: optional(healthCheckSchema),
      report: optional(reportSchema),
      hosts: optional(
        z
          .array(
            text(true).refine((host) => TARGET_ID_PATTERN.test(host), {
              error: 'must be 1 to 63 lowercase letters, digits or -, starting with a letter or digit',
            }),
            { error: 'must be a list of host names, e.g. [web-1, web-2]' },
          )
          .min(1, { error: 'must hold at least one host' })
          .max(100, { error: 'must hold at most 100 hosts' })
          .refine((hosts) => new Set(hosts).size === hosts.length, { error: 'must not name a host twice' }),
      ),
      rollout: optional(z.enum(['parallel', 'rolling'], { error: 'must be parallel or rolling' })),
      hostTimeout: optional(seconds),
    },
    { error: (issue) => (issue.code === 'invalid_type' ? 'must be a mapping of the keys of a target' : undefined) },
  )
  .superRefine((target, context) => {
    if (target.hosts !== undefined) {
      for (const key of AGENT_ONLY_KEYS) {
        if (target[key] !== undefined) {
          context.addIssue({
            code: 'custom',
            path: [key],
            message: "is each agent's own setting with hosts: it goes in the agents' files, not the hub's",
          });
        }
      }
      if (target.branch === undefined) {
        context.addIssue({
          code: 'custom',
          path: ['branch'],
          message: 'is required with hosts (the hub has no work tree to read it from)',
        });
      }
      return;
    }
    for (const key of ['rollout', 'hostTimeout'] as const) {
      if (target[key] !== undefined)
        context.addIssue({ code: 'custom', path: [key], message: 'is only used with hosts' });
    }
    if (target.repoPath === undefined) context.addIssue({ code: 'custom', path: ['repoPath'], message: 'is required' });
    if (target.mode === 'release' && target.releases === undefined) {
      context.addIssue({ code: 'custom', path: ['releases'], message: 'is required with mode: release' });
    }
    if (target.mode === 'release' && target.command !== undefined) {
      // Run where, and when: before the switch or after it? build and activate say it.
      context.addIssue({
        code: 'custom',
        path: ['command'],
        message:
          'is not used with mode: release: use build (in the new release, before the switch) and activate (after it)',
      });
    }
    if (target.mode !== 'release') {
      for (const key of RELEASE_ONLY_KEYS) {
        if (target[key] !== undefined) {
          context.addIssue({ code: 'custom', path: [key], message: 'is only used with mode: release' });
        }
      }
    }
    const forge = target.forge ?? 'github';
    // Self-hosted forges have no public API root to default to.
    if (target.report !== undefined && target.report.apiUrl === undefined && !hasPublicApi(forge)) {
      context.addIssue({
        code: 'custom',
        path: ['report', 'apiUrl'],
        message: `is required for forge ${forge} (its API root, e.g. ${API_URL_EXAMPLE[forge]})`,
      });
    }
    // Bitbucket's build status must link somewhere: the deployment's page on the dashboard.
    if (target.report !== undefined && target.report.publicUrl === undefined && forge.startsWith('bitbucket')) {
      context.addIssue({
        code: 'custom',
        path: ['report', 'publicUrl'],
        message: `is required for forge ${forge} (a build status needs a link: hookdeploy's address)`,
      });
    }
    // Only a slug the key's own check let through: one problem per key is enough.
    const nested = target.repository !== undefined && NESTED_REPOSITORY_SLUG.test(target.repository);
    if (forge !== 'gitlab' && nested && !REPOSITORY_SLUG.test(target.repository!)) {
      context.addIssue({ code: 'custom', path: ['repository'], message: 'must be owner/name' });
    }
  })
  .transform((target): TargetDraft => ({
    id: target.id,
    forge: target.forge ?? 'github',
    secrets: target.secrets ?? [],
    repoPath: target.repoPath === undefined ? '' : resolve(target.repoPath),
    branch: target.branch,
    repository: target.repository,
    strategy: target.strategy ?? 'rebase',
    command: target.command,
    // Rounded up: a tiny positive timeout must not become 0 ms.
    timeoutMs: Math.ceil((target.timeout ?? 600) * 1000),
    release:
      target.mode === 'release' && target.releases
        ? {
            path: resolve(target.releases.path),
            keep: target.releases.keep ?? 5,
            shared: target.releases.shared ?? [],
            build: target.build,
            activate: target.activate,
            healthCheck: target.healthCheck && {
              url: target.healthCheck.url,
              timeoutMs: Math.ceil((target.healthCheck.timeout ?? 30) * 1000),
            },
          }
        : undefined,
    report: target.report && {
      token: target.report.token,
      apiUrl: target.report.apiUrl?.replace(/\/+$/, ''),
      environment: target.report.environment ?? 'production',
      publicUrl: target.report.publicUrl?.replace(/\/+$/, ''),
    },
    fleet: target.hosts && {
      hosts: target.hosts,
      rollout: target.rollout ?? 'parallel',
      hostTimeoutMs: Math.ceil((target.hostTimeout ?? 600) * 1000),
    },
  }));

/** The file: only `targets`, a non-empty list (each element is checked with targetSchema, on its own). */
export const fileSchema = z.strictObject(
  {
    targets: z
      .array(z.unknown(), {
        error: (issue) =>
          issue.input === undefined || issue.input === null
            ? 'is required (a list of targets)'
            : 'must be a list of targets',
      })
      .min(1, { error: 'must hold at least one target' }),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'the file must be a mapping with a targets list' : undefined) },
);

export const FILE_KEYS = ['targets'] as const;
