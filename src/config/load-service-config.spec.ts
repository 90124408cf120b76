import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { GIT_ENV, GitFixture, git } from '../../test/fixtures/git-fixture.js';
import { ConfigError } from './config.error.js';
import { loadServiceConfig, reloadTargets } from './load-service-config.js';

// The service's git reads process.env: keep it away from the machine's git configuration.
for (const key of ['GIT_CONFIG_NOSYSTEM', 'GIT_CONFIG_GLOBAL'] as const) process.env[key] = GIT_ENV[key];

const SITE_SECRET = 'site-secret-3b4c';
const BLOG_SECRET = 'blog-secret-8d9e';

async function problems(env: Record<string, string>, cwd?: string): Promise<string[]> {
  try {
    await loadServiceConfig(env, cwd);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('loadServiceConfig accepted the configuration');
}

describe('loadServiceConfig', () => {
  let fixture: GitFixture;
  /** A fresh clone of the fixture's origin (branch `trunk`), with `origin` set to `url`. */
  let clone: (name: string, url?: string) => Promise<string>;
  let file: (name: string, ...lines: string[]) => Promise<string>;

  beforeAll(async () => {
    fixture = await GitFixture.create({ branch: 'trunk' });
    clone = async (name, url) => {
      const path = await fixture.clone(name);
      if (url) await git(path, 'remote', 'set-url', 'origin', url);
      return path;
    };
    file = (name, ...lines) => fixture.writeLines(name, ...lines);
  });
  afterAll(async () => {
    await fixture.remove();
  });

  describe('env-only mode', () => {
    it('defines the one target "default", with the server settings beside it', async () => {
      const config = await loadServiceConfig({ GITHUB_SECRET: SITE_SECRET, REPO_PATH: fixture.deploy, PORT: '0' });
      expect(config).toEqual({
        port: 0,
        host: '0.0.0.0',
        webhookPath: '/github',
        adminToken: undefined,
        dataDir: expect.stringMatching(/\/data$/),
        historyLimit: 1000,
        logFormat: 'pretty',
        logLevel: 'info',
        headersTimeoutMs: 20_000,
        requestTimeoutMs: 60_000,
        webhookBodyBudgetBytes: 64 * 1024 * 1024,
        maxConnections: 512,
        trustProxy: false,
        maxParallelDeploys: 2,
        targets: [
          {
            id: 'default',
            forge: 'github',
            secrets: [SITE_SECRET],
            repoPath: fixture.deploy,
            branch: 'trunk',
            repository: undefined,
            strategy: 'rebase',
            command: undefined,
            timeoutMs: 600_000,
          },
        ],
        source: { kind: 'env' },
        secretVariables: ['GITHUB_SECRET', 'GITHUB_SECRET_PREVIOUS', 'ADMIN_TOKEN', 'REDIS_URL'],
      });
    });

    it('accepts GITHUB_SECRET_PREVIOUS after GITHUB_SECRET, and reads MAX_PARALLEL_DEPLOYS', async () => {
      const config = await loadServiceConfig({
        GITHUB_SECRET: SITE_SECRET,
        GITHUB_SECRET_PREVIOUS: BLOG_SECRET,
        REPO_PATH: fixture.deploy,
        MAX_PARALLEL_DEPLOYS: '3',
      });
      expect(config.targets[0].secrets).toEqual([SITE_SECRET, BLOG_SECRET]);
      expect(config.maxParallelDeploys).toBe(3);
    });

    it('reports the problems loadConfig reports', async () => {
      expect(await problems({ GITHUB_SECRET: SITE_SECRET, REPO_PATH: fixture.deploy, DEPLOY_BRANCH: 'main' })).toEqual([
        'DEPLOY_BRANCH is "main" but REPO_PATH has "trunk" checked out',
      ]);
    });

    it('has nothing to reload', async () => {
      const config = await loadServiceConfig({ GITHUB_SECRET: SITE_SECRET, REPO_PATH: fixture.deploy });
      expect(await reloadTargets(config, {})).toEqual({
        ok: false,
        problems: [expect.stringContaining('env-only mode')],
      });
    });
  });

  describe('file mode', () => {
    let site: string;
    let blog: string;
    let shop: string;
    beforeAll(async () => {
      site = await clone('site', 'git@github.com:octo/site.git');
      blog = await clone('blog', 'https://gitlab.example.com/group/blog.git');
      shop = await clone('shop', 'https://github.com/octo/shop.git');
      await git(shop, 'checkout', '--quiet', '-b', 'release');
    });

    it('reads the targets, with the defaults from each work tree', async () => {
      const path = await file(
        'good.yml',
        'targets:',
        '  - id: site',
        '    secrets: ["${SITE_SECRET}", inline-old]',
        `    repoPath: ${site}`,
        '  - id: blog',
        '    forge: gitlab',
        '    secrets: ["${BLOG_SECRET}"]',
        `    repoPath: ${blog}/`,
        '    strategy: reset',
        '    command: make deploy',
        '    timeout: 30',
        '  - id: shop',
        '    secrets: [shop]',
        `    repoPath: ${shop}`,
        '    branch: release',
        '    repository: octo/shop-renamed',
      );
      const config = await loadServiceConfig(
        { HOOKDEPLOY_CONFIG: 'good.yml', SITE_SECRET, BLOG_SECRET, PORT: '9000', MAX_PARALLEL_DEPLOYS: '1' },
        fixture.root,
      );
      expect(config.source).toEqual({ kind: 'file', path });
      expect(config).toMatchObject({ port: 9000, webhookPath: undefined, maxParallelDeploys: 1 });
      expect(config.secretVariables).toEqual([
        'GITHUB_SECRET',
        'GITHUB_SECRET_PREVIOUS',
        'ADMIN_TOKEN',
        'REDIS_URL',
        'SITE_SECRET',
        'BLOG_SECRET',
      ]);
      expect(config.targets).toEqual([
        {
          id: 'site',
          forge: 'github',
          secrets: [SITE_SECRET, 'inline-old'],
          repoPath: site,
          branch: 'trunk',
          repository: 'octo/site',
          strategy: 'rebase',
          command: undefined,
          timeoutMs: 600_000,
        },
        {
          id: 'blog',
          forge: 'gitlab',
          secrets: [BLOG_SECRET],
          repoPath: blog,
          branch: 'trunk',
          // Derived from origin the GitLab way (group/…/name).
          repository: 'group/blog',
          strategy: 'reset',
          command: 'make deploy',
          timeoutMs: 30_000,
        },
        {
          id: 'shop',
          forge: 'github',
          secrets: ['shop'],
          repoPath: shop,
          branch: 'release',
          repository: 'octo/shop-renamed',
          strategy: 'rebase',
          command: undefined,
          timeoutMs: 600_000,
        },
      ]);
    });

    it('checks every repository and reports every problem at once, each at its place', async () => {
      const plain = join(fixture.root, 'plain');
      await mkdir(plain, { recursive: true });
      const noOrigin = await clone('no-origin');
      await git(noOrigin, 'remote', 'remove', 'origin');
      const detached = await clone('detached');
      await git(detached, 'checkout', '--quiet', '--detach');
      const siteLink = join(fixture.root, 'site-link');
      await symlink(site, siteLink);
      const missing = join(fixture.root, 'missing');
      const path = await file(
        'repos.yml',
        'targets:',
        '  - id: site',
        '    secrets: [a]',
        `    repoPath: ${site}`,
        '    branch: main',
        '  - id: plain',
        '    secrets: [a]',
        `    repoPath: ${plain}`,
        '  - id: no-origin',
        '    secrets: [a]',
        `    repoPath: ${noOrigin}`,
        '  - id: detached',
        '    secrets: [a]',
        `    repoPath: ${detached}`,
        '  - id: missing',
        '    secrets: [a]',
        `    repoPath: ${missing}`,
        '  - id: site-again',
        '    secrets: [a]',
        `    repoPath: ${siteLink}`,
      );
      expect(await problems({ HOOKDEPLOY_CONFIG: path })).toEqual([
        `${path}:5:13 targets[0].branch: is "main" but ${site} has "trunk" checked out`,
        `${path}:8:15 targets[1].repoPath: ${plain} is not a git work tree`,
        `${path}:11:15 targets[2].repoPath: ${noOrigin} has no remote "origin"`,
        `${path}:14:15 targets[3].repoPath: ${detached} has no branch checked out (detached HEAD); check out the branch to deploy`,
        `${path}:17:15 targets[4].repoPath: ${missing} does not exist`,
        `${path}:20:15 targets[5].repoPath: the same work tree as targets[0] (site)`,
      ]);
    });

    it('refuses the per-target variables beside HOOKDEPLOY_CONFIG, and reports the file and server problems too', async () => {
      const path = await file(
        'env.yml',
        'targets:',
        '  - id: site',
        '    secrets: ["${NOT_SET}"]',
        `    repoPath: ${site}`,
      );
      expect(
        await problems({
          HOOKDEPLOY_CONFIG: path,
          GITHUB_SECRET: SITE_SECRET,
          DEPLOY_TIMEOUT: '30',
          WEBHOOK_PATH: '/github',
          // Empty means unset, as everywhere (.env.example lists them empty).
          REPO_PATH: '',
          PORT: 'x',
        }),
      ).toEqual([
        `GITHUB_SECRET must not be set with HOOKDEPLOY_CONFIG: each target of ${path} has its own settings`,
        `DEPLOY_TIMEOUT must not be set with HOOKDEPLOY_CONFIG: each target of ${path} has its own settings`,
        'WEBHOOK_PATH must not be set with HOOKDEPLOY_CONFIG: each target of the file is served at /hooks/<id>',
        'PORT must be an integer from 0 to 65535 (got "x")',
        `${path}:3:15 targets[0].secrets[0]: \${NOT_SET} is not set`,
      ]);
    });

    it('names a file that does not exist', async () => {
      const path = join(fixture.root, 'nope.yml');
      expect(await problems({ HOOKDEPLOY_CONFIG: path })).toEqual([`HOOKDEPLOY_CONFIG: ${path} does not exist`]);
    });

    it('reloads: a valid file gives the new targets, an invalid one its problems', async () => {
      const path = await file('reload.yml', 'targets:', '  - id: site', '    secrets: [a]', `    repoPath: ${site}`);
      const config = await loadServiceConfig({ HOOKDEPLOY_CONFIG: path });
      expect(config.targets.map((target) => target.id)).toEqual(['site']);

      await file(
        'reload.yml',
        'targets:',
        '  - id: site',
        '    secrets: [a]',
        `    repoPath: ${site}`,
        '  - id: shop',
        '    secrets: ["${SHOP_SECRET}"]',
        `    repoPath: ${shop}`,
      );
      const added = await reloadTargets(config, { SHOP_SECRET: 'shop-secret' });
      expect(added).toMatchObject({ ok: true, secretVariables: ['SHOP_SECRET'] });
      expect(added.ok && added.targets.map((target) => [target.id, target.branch, target.secrets])).toEqual([
        ['site', 'trunk', ['a']],
        ['shop', 'release', ['shop-secret']],
      ]);

      await file(
        'reload.yml',
        'targets:',
        '  - id: site',
        '    secrets: [a]',
        `    repoPath: ${site}`,
        '    comand: x',
      );
      expect(await reloadTargets(config, {})).toEqual({
        ok: false,
        problems: [`${path}:5:5 targets[0].comand: unknown key (did you mean command?)`],
      });
      // The configuration it was given is untouched.
      expect(config.targets.map((target) => target.id)).toEqual(['site']);
    });
  });
});
