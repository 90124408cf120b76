import { describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../config/config.error.js';
import { loadServiceConfig, reloadTargets } from '../config/load-service-config.js';
import { parseTargetsFile } from '../config/targets-file.js';
import { parseAgentEnvironment } from './agent/agent-settings.js';
import { parseRedisUrl, redactedRedisUrl } from './redis-url.js';

const FILE = 'hookdeploy.yml';

function fleetFile(...extra: string[]): string {
  return ['targets:', '  - id: site', '    secrets: [s3cret-value]', ...extra, ''].join('\n');
}

function parsed(...extra: string[]) {
  return parseTargetsFile(fleetFile(...extra), FILE, {});
}

describe('a fleet target in the hub file', () => {
  it('reads hosts, rollout and hostTimeout; no repoPath on the hub', () => {
    const { targets, problems } = parsed(
      '    branch: main',
      '    hosts: [web-1, web-2]',
      '    rollout: rolling',
      '    hostTimeout: 30',
    );
    expect(problems).toEqual([]);
    expect(targets[0].repoPath).toBe('');
    expect(targets[0].fleet).toEqual({ hosts: ['web-1', 'web-2'], rollout: 'rolling', hostTimeoutMs: 30_000 });
  });

  it('defaults to a parallel rollout and 600 s', () => {
    const { targets } = parsed('    branch: main', '    hosts: [web-1]');
    expect(targets[0].fleet).toEqual({ hosts: ['web-1'], rollout: 'parallel', hostTimeoutMs: 600_000 });
  });

  it("refuses what is each agent's own setting, and wants the branch", () => {
    const problems = parsed('    hosts: [web-1]', '    repoPath: /srv/site', '    command: make').problems.join('\n');
    expect(problems).toMatch(/repoPath: is each agent's own setting with hosts/);
    expect(problems).toMatch(/command: is each agent's own setting with hosts/);
    expect(problems).toMatch(/branch: is required with hosts/);
  });

  it('refuses bad host names, a host twice, an empty list, an unknown rollout, rollout without hosts', () => {
    expect(parsed('    branch: main', '    hosts: [Web_1]').problems.join()).toMatch(/hosts\[0\]: must be 1 to 63/);
    expect(parsed('    branch: main', '    hosts: [a, a]').problems.join()).toMatch(/must not name a host twice/);
    expect(parsed('    branch: main', '    hosts: []').problems.join()).toMatch(/at least one host/);
    expect(parsed('    branch: main', '    hosts: [a]', '    rollout: random').problems.join()).toMatch(
      /must be parallel or rolling/,
    );
    expect(parsed('    repoPath: /srv/site', '    rollout: rolling').problems.join()).toMatch(/only used with hosts/);
    expect(parsed('    branch: main').problems.join()).toMatch(/repoPath: is required/);
  });
});

describe('REDIS_URL and AGENT_HOST', () => {
  it('takes redis:// and rediss:// only, and never repeats the value', () => {
    expect(parseRedisUrl({ REDIS_URL: 'rediss://hookdeploy:pw@redis.internal:6380/0' })).toEqual({
      url: 'rediss://hookdeploy:pw@redis.internal:6380/0',
    });
    const problem = parseRedisUrl({ REDIS_URL: 'http://user:topsecret@host' });
    expect(problem).toEqual({ problem: 'REDIS_URL must be a redis:// or rediss:// URL (got the scheme http:)' });
    expect(JSON.stringify(parseRedisUrl({ REDIS_URL: 'not a url topsecret' }))).not.toContain('topsecret');
    expect(parseRedisUrl({})).toEqual({ url: undefined });
  });

  it('hides the password in what is logged', () => {
    expect(redactedRedisUrl('redis://hookdeploy:topsecret@127.0.0.1:6379/0')).toBe(
      'redis://hookdeploy:***@127.0.0.1:6379/0',
    );
  });

  it('an agent needs both', () => {
    expect(parseAgentEnvironment({})).toEqual([
      "AGENT_HOST is required for the agent: this host's name in the hub's hosts lists",
      'REDIS_URL is required for the agent (redis:// or rediss://)',
    ]);
    expect(parseAgentEnvironment({ AGENT_HOST: 'web-1', REDIS_URL: 'redis://127.0.0.1:6379' })).toEqual({
      host: 'web-1',
      redisUrl: 'redis://127.0.0.1:6379',
    });
  });
});

describe('a hub with a fleet target', () => {
  async function withFile<T>(work: (path: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(tmpdir(), 'hookdeploy-fleet-config-'));
    try {
      const path = join(dir, 'hub.yml');
      await writeFile(path, fleetFile('    branch: main', '    hosts: [web-1]'));
      return await work(path);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('refuses to boot without REDIS_URL, saying why', async () => {
    await withFile(async (path) => {
      const error = await loadServiceConfig({ HOOKDEPLOY_CONFIG: path, DATA_DIR: '/tmp' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        'REDIS_URL is required: target site has hosts, and the hub hands their jobs over through Redis',
      ]);
    });
  });

  it('boots with it (no work tree to check), and REDIS_URL is kept from the children', async () => {
    await withFile(async (path) => {
      const config = await loadServiceConfig({ HOOKDEPLOY_CONFIG: path, REDIS_URL: 'redis://127.0.0.1:6379' });
      expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
      expect(config.secretVariables).toContain('REDIS_URL');
      expect(config.targets[0].fleet?.hosts).toEqual(['web-1']);
    });
  });

  it('a reload cannot add a fleet target to a hub started without REDIS_URL', async () => {
    await withFile(async (path) => {
      const result = await reloadTargets({ source: { kind: 'file', path } } as Parameters<typeof reloadTargets>[0], {
        HOOKDEPLOY_CONFIG: path,
      });
      expect(result).toEqual({
        ok: false,
        problems: ['REDIS_URL was not set at start: target site has hosts; restart with it set'],
      });
    });
  });
});

describe("an agent's file needs no secrets (an agent never receives a webhook)", () => {
  const withoutSecrets = (...extra: string[]): string =>
    ['targets:', '  - id: site', '    repoPath: /srv/site', ...extra, ''].join('\n');

  it('the service (hub or single host) still requires them, with every other problem of the target', () => {
    expect(parseTargetsFile(withoutSecrets('    strategy: yolo'), FILE, {}).problems).toEqual([
      `${FILE}:2:5 targets[0].secrets: is required (a list of 1 or more secrets)`,
      `${FILE}:4:15 targets[0].strategy: must be one of rebase, ff-only, reset`,
    ]);
    expect(parseTargetsFile(withoutSecrets('    secrets:'), FILE, {}).problems).toEqual([
      `${FILE}:4:5 targets[0].secrets: is required (a list of 1 or more secrets)`,
    ]);
  });

  it('an agent reads the target without them', () => {
    const { targets, problems } = parseTargetsFile(withoutSecrets('    command: make'), FILE, {}, 'agent');
    expect(problems).toEqual([]);
    expect(targets.map((target) => [target.id, target.secrets, target.command])).toEqual([['site', [], 'make']]);
  });

  it('an agent may still write them, and a written list is checked as anywhere', () => {
    expect(parseTargetsFile(fleetFile('    repoPath: /srv/site'), FILE, {}, 'agent').problems).toEqual([]);
    expect(parseTargetsFile(withoutSecrets('    secrets: []'), FILE, {}, 'agent').problems).toEqual([
      `${FILE}:4:14 targets[0].secrets: must hold at least one secret`,
    ]);
  });
});
