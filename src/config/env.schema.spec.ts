import { describe, expect, it } from '@jest/globals';
import { parseEnvironment, parseServerEnvironment, type EnvSettings, type Environment } from './env.schema.js';

const SECRET = 'gh-secret-9f8e7d';
const TOKEN = 'admin-token-1a2b3c';
const REQUIRED = { GITHUB_SECRET: SECRET, REPO_PATH: '/srv/app' };

function settings(env: Environment, cwd?: string): EnvSettings {
  const result = parseEnvironment(env, cwd);
  if (Array.isArray(result)) throw new Error(`unexpected problems: ${result.join('; ')}`);
  return result;
}

function problems(env: Environment): string[] {
  const result = parseEnvironment(env, '/work');
  if (!Array.isArray(result)) throw new Error('parseEnvironment accepted the environment');
  return result;
}

describe('parseEnvironment', () => {
  it('applies the documented defaults', () => {
    expect(settings(REQUIRED, '/srv/hookdeploy')).toEqual({
      githubSecret: SECRET,
      githubSecretPrevious: undefined,
      repoPath: '/srv/app',
      port: 8000,
      host: '0.0.0.0',
      webhookPath: '/github',
      deployBranch: undefined,
      deployRepository: undefined,
      pullStrategy: 'rebase',
      deployCommand: undefined,
      deployTimeoutMs: 600_000,
      adminToken: undefined,
      dataDir: '/srv/hookdeploy/data',
      historyLimit: 1000,
      logFormat: 'pretty',
      logLevel: 'info',
      headersTimeoutMs: 20_000,
      requestTimeoutMs: 60_000,
      webhookBodyBudgetBytes: 64 * 1024 * 1024,
      maxConnections: 512,
      maxParallelDeploys: 2,
      trustProxy: false,
    });
  });

  it('reads every variable', () => {
    const env = {
      ...REQUIRED,
      PORT: '0',
      HOST: '127.0.0.1',
      WEBHOOK_PATH: '/hooks/github/',
      DEPLOY_BRANCH: 'refs/heads/release/v2',
      DEPLOY_REPOSITORY: 'octo-org/hello.world',
      PULL_STRATEGY: 'ff-only',
      DEPLOY_COMMAND: 'make deploy',
      DEPLOY_TIMEOUT: '1.5',
      ADMIN_TOKEN: TOKEN,
      DATA_DIR: '/var/lib/hookdeploy',
      HISTORY_LIMIT: '25',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'debug',
      HEADERS_TIMEOUT: '2.5',
      REQUEST_TIMEOUT: '90',
      WEBHOOK_BODY_BUDGET: '25',
      GITHUB_SECRET_PREVIOUS: 'old-secret',
      MAX_PARALLEL_DEPLOYS: '4',
      MAX_CONNECTIONS: '64',
      TRUST_PROXY: '127.0.0.1, 10.0.0.0/8',
    };
    expect(settings(env)).toEqual({
      githubSecret: SECRET,
      githubSecretPrevious: 'old-secret',
      repoPath: '/srv/app',
      port: 0,
      host: '127.0.0.1',
      webhookPath: '/hooks/github',
      deployBranch: 'release/v2',
      deployRepository: 'octo-org/hello.world',
      pullStrategy: 'ff-only',
      deployCommand: 'make deploy',
      deployTimeoutMs: 1500,
      adminToken: TOKEN,
      dataDir: '/var/lib/hookdeploy',
      historyLimit: 25,
      logFormat: 'json',
      logLevel: 'debug',
      headersTimeoutMs: 2500,
      requestTimeoutMs: 90_000,
      webhookBodyBudgetBytes: 25 * 1024 * 1024,
      maxParallelDeploys: 4,
      maxConnections: 64,
      trustProxy: ['127.0.0.1', '10.0.0.0/8'],
    });
  });

  it('treats empty and blank values as unset', () => {
    const blank = {
      PORT: '',
      HOST: ' ',
      WEBHOOK_PATH: '',
      DEPLOY_BRANCH: '',
      PULL_STRATEGY: '',
      DEPLOY_TIMEOUT: '',
      DATA_DIR: ' ',
      HISTORY_LIMIT: '',
      LOG_FORMAT: '',
      LOG_LEVEL: ' ',
      HEADERS_TIMEOUT: '',
      REQUEST_TIMEOUT: ' ',
      WEBHOOK_BODY_BUDGET: '',
      GITHUB_SECRET_PREVIOUS: '',
      MAX_PARALLEL_DEPLOYS: ' ',
      MAX_CONNECTIONS: '',
      TRUST_PROXY: '',
    };
    expect(settings({ ...REQUIRED, ...blank, DEPLOY_COMMAND: '', ADMIN_TOKEN: '' })).toEqual(settings(REQUIRED));
    expect(problems({ GITHUB_SECRET: '', REPO_PATH: '  ' })).toEqual([
      expect.stringContaining('GITHUB_SECRET'),
      expect.stringContaining('REPO_PATH'),
    ]);
  });

  it.each<[string, unknown]>([
    ['false', false],
    ['0', false],
    ['1', 1],
    ['2', 2],
    ['loopback', ['loopback']],
    ['Loopback, uniquelocal', ['loopback', 'uniquelocal']],
    ['192.0.2.10,::1', ['192.0.2.10', '::1']],
    ['10.0.0.0/8, fd00::/8', ['10.0.0.0/8', 'fd00::/8']],
  ])('reads TRUST_PROXY=%s in the forms Express takes', (raw, trustProxy) => {
    expect(settings({ ...REQUIRED, TRUST_PROXY: raw }).trustProxy).toEqual(trustProxy);
  });

  it('resolves a relative REPO_PATH against the given working directory', () => {
    expect(settings({ ...REQUIRED, REPO_PATH: '../app' }, '/srv/hookdeploy').repoPath).toBe('/srv/app');
  });

  it.each<[string, Record<string, string | undefined>]>([
    ['GITHUB_SECRET', { GITHUB_SECRET: undefined }],
    ['REPO_PATH', { REPO_PATH: undefined }],
    ['PORT', { PORT: 'http' }],
    ['PORT', { PORT: '65536' }],
    ['PORT', { PORT: '-1' }],
    ['PORT', { PORT: '80.5' }],
    ['HOST', { HOST: 'local host' }],
    ['WEBHOOK_PATH', { WEBHOOK_PATH: 'github' }],
    ['WEBHOOK_PATH', { WEBHOOK_PATH: '/git hub' }],
    ['WEBHOOK_PATH', { WEBHOOK_PATH: '/health' }],
    ['WEBHOOK_PATH', { WEBHOOK_PATH: '/health/' }],
    ['WEBHOOK_PATH', { WEBHOOK_PATH: '/deployments' }],
    ['WEBHOOK_PATH', { WEBHOOK_PATH: '/deployments/github' }],
    ['WEBHOOK_PATH', { WEBHOOK_PATH: '/session' }],
    ['WEBHOOK_PATH', { WEBHOOK_PATH: '/session/' }],
    ['WEBHOOK_PATH', { WEBHOOK_PATH: '/session/github' }],
    ['WEBHOOK_PATH', { WEBHOOK_PATH: '/dashboard' }],
    ['WEBHOOK_PATH', { WEBHOOK_PATH: '/dashboard//' }],
    ['WEBHOOK_PATH', { WEBHOOK_PATH: '/dashboard/hook' }],
    ['WEBHOOK_PATH', { WEBHOOK_PATH: '/metrics' }],
    ['WEBHOOK_PATH', { WEBHOOK_PATH: '/targets/site' }],
    ['WEBHOOK_PATH', { WEBHOOK_PATH: '/targets' }],
    ['WEBHOOK_PATH', { WEBHOOK_PATH: '/metrics/github' }],
    ['DEPLOY_BRANCH', { DEPLOY_BRANCH: 'feature..x' }],
    ['DEPLOY_BRANCH', { DEPLOY_BRANCH: 'has space' }],
    ['DEPLOY_BRANCH', { DEPLOY_BRANCH: '-main' }],
    ['DEPLOY_BRANCH', { DEPLOY_BRANCH: 'main.lock' }],
    ['DEPLOY_REPOSITORY', { DEPLOY_REPOSITORY: 'just-a-name' }],
    ['DEPLOY_REPOSITORY', { DEPLOY_REPOSITORY: 'https://github.com/o/n' }],
    ['PULL_STRATEGY', { PULL_STRATEGY: 'merge' }],
    ['WEBHOOK_PATH', { WEBHOOK_PATH: '/hooks/../github' }],
    ['WEBHOOK_PATH', { WEBHOOK_PATH: '/./github' }],
    ['DEPLOY_TIMEOUT', { DEPLOY_TIMEOUT: '0' }],
    ['DEPLOY_TIMEOUT', { DEPLOY_TIMEOUT: '-5' }],
    ['DEPLOY_TIMEOUT', { DEPLOY_TIMEOUT: 'ten' }],
    ['HISTORY_LIMIT', { HISTORY_LIMIT: '0' }],
    ['HISTORY_LIMIT', { HISTORY_LIMIT: '-1' }],
    ['HISTORY_LIMIT', { HISTORY_LIMIT: '1.5' }],
    ['HISTORY_LIMIT', { HISTORY_LIMIT: '1e3' }],
    ['HISTORY_LIMIT', { HISTORY_LIMIT: 'many' }],
    ['HISTORY_LIMIT', { HISTORY_LIMIT: '1000001' }],
    ['HISTORY_LIMIT', { HISTORY_LIMIT: '99999999999999999999' }],
    ['LOG_FORMAT', { LOG_FORMAT: 'text' }],
    ['LOG_FORMAT', { LOG_FORMAT: 'ndjson' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'log' }],
    ['LOG_LEVEL', { LOG_LEVEL: '30' }],
    ['HEADERS_TIMEOUT', { HEADERS_TIMEOUT: '0' }],
    ['HEADERS_TIMEOUT', { HEADERS_TIMEOUT: '-1' }],
    ['HEADERS_TIMEOUT', { HEADERS_TIMEOUT: '20s' }],
    ['HEADERS_TIMEOUT', { HEADERS_TIMEOUT: '3601' }],
    ['REQUEST_TIMEOUT', { REQUEST_TIMEOUT: '0' }],
    ['REQUEST_TIMEOUT', { REQUEST_TIMEOUT: 'a minute' }],
    ['REQUEST_TIMEOUT', { REQUEST_TIMEOUT: '1e3' }],
    ['REQUEST_TIMEOUT', { REQUEST_TIMEOUT: '7200' }],
    ['HEADERS_TIMEOUT', { HEADERS_TIMEOUT: '30', REQUEST_TIMEOUT: '10' }],
    ['WEBHOOK_BODY_BUDGET', { WEBHOOK_BODY_BUDGET: '24' }],
    ['WEBHOOK_BODY_BUDGET', { WEBHOOK_BODY_BUDGET: '64MiB' }],
    ['WEBHOOK_BODY_BUDGET', { WEBHOOK_BODY_BUDGET: '1.5e2' }],
    ['WEBHOOK_BODY_BUDGET', { WEBHOOK_BODY_BUDGET: '65537' }],
    ['HEADERS_TIMEOUT', { HEADERS_TIMEOUT: '61' }],
    ['MAX_PARALLEL_DEPLOYS', { MAX_PARALLEL_DEPLOYS: '0' }],
    ['MAX_PARALLEL_DEPLOYS', { MAX_PARALLEL_DEPLOYS: '1.5' }],
    ['MAX_PARALLEL_DEPLOYS', { MAX_PARALLEL_DEPLOYS: 'two' }],
    ['MAX_PARALLEL_DEPLOYS', { MAX_PARALLEL_DEPLOYS: '65' }],
    ['MAX_CONNECTIONS', { MAX_CONNECTIONS: '0' }],
    ['MAX_CONNECTIONS', { MAX_CONNECTIONS: '-1' }],
    ['MAX_CONNECTIONS', { MAX_CONNECTIONS: '10.5' }],
    ['MAX_CONNECTIONS', { MAX_CONNECTIONS: '1e3' }],
    ['MAX_CONNECTIONS', { MAX_CONNECTIONS: 'unlimited' }],
    ['MAX_CONNECTIONS', { MAX_CONNECTIONS: '100001' }],
    ['TRUST_PROXY', { TRUST_PROXY: 'true' }],
    ['TRUST_PROXY', { TRUST_PROXY: 'yes' }],
    ['TRUST_PROXY', { TRUST_PROXY: '101' }],
    ['TRUST_PROXY', { TRUST_PROXY: '-1' }],
    ['TRUST_PROXY', { TRUST_PROXY: 'loopback, nginx.local' }],
    ['TRUST_PROXY', { TRUST_PROXY: '10.0.0.0/33' }],
    ['TRUST_PROXY', { TRUST_PROXY: '10.0.0.0/8/8' }],
    ['TRUST_PROXY', { TRUST_PROXY: '::1/129' }],
    ['TRUST_PROXY', { TRUST_PROXY: '127.0.0.1,' }],
  ])('names %s when it is %j', (variable, changes) => {
    expect(problems({ ...REQUIRED, ...changes })).toEqual([expect.stringMatching(new RegExp(`^${variable}\\b`))]);
  });

  it('reports every problem at once', () => {
    const all = problems({
      PORT: 'x',
      WEBHOOK_PATH: '/health',
      PULL_STRATEGY: 'merge',
      DEPLOY_TIMEOUT: '0',
      HISTORY_LIMIT: '0',
      LOG_FORMAT: 'xml',
      LOG_LEVEL: 'loud',
    });
    expect(all.map((problem) => problem.split(' ')[0])).toEqual([
      'GITHUB_SECRET',
      'REPO_PATH',
      'PORT',
      'WEBHOOK_PATH',
      'PULL_STRATEGY',
      'DEPLOY_TIMEOUT',
      'HISTORY_LIMIT',
      'LOG_FORMAT',
      'LOG_LEVEL',
    ]);
  });

  it('never quotes the GITHUB_SECRET or ADMIN_TOKEN values in a problem', () => {
    const bad = {
      PORT: 'x',
      HOST: 'a b',
      WEBHOOK_PATH: 'x',
      DEPLOY_BRANCH: '..',
      DEPLOY_REPOSITORY: 'x',
      PULL_STRATEGY: 'x',
      DEPLOY_TIMEOUT: 'x',
    };
    const previous = 'previous-gh-secret-1c2d';
    const text = problems({
      GITHUB_SECRET: SECRET,
      GITHUB_SECRET_PREVIOUS: previous,
      ADMIN_TOKEN: TOKEN,
      ...bad,
      REPO_PATH: undefined,
    }).join('\n');
    expect(text).toContain('REPO_PATH');
    expect(text).not.toContain(previous);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(TOKEN);
  });

  it.each([
    '/sessions',
    '/dashboards',
    '/metrics-hook',
    '/healthz',
    '/deployments-github',
    '/hooks/session',
    '/github',
  ])('accepts WEBHOOK_PATH %j, which only resembles a reserved path', (path) => {
    expect(settings({ ...REQUIRED, WEBHOOK_PATH: path }).webhookPath).toBe(path);
  });

  it.each([
    ['./data', '/srv/hookdeploy', '/srv/hookdeploy/data'],
    ['state', '/srv/hookdeploy', '/srv/hookdeploy/state'],
    ['../shared/data', '/srv/hookdeploy', '/srv/shared/data'],
    ['/var/lib/hookdeploy', '/srv/hookdeploy', '/var/lib/hookdeploy'],
    ['/var/lib/hookdeploy/', '/srv/hookdeploy', '/var/lib/hookdeploy/'],
  ])('resolves DATA_DIR %j against the working directory %j to %j', (dataDir, cwd, resolved) => {
    expect(settings({ ...REQUIRED, DATA_DIR: dataDir }, cwd).dataDir).toBe(resolved);
  });

  it.each([
    ['1', 1],
    ['1000', 1000],
    ['1000000', 1_000_000],
    ['007', 7],
  ])('reads HISTORY_LIMIT %j as %i', (raw, limit) => {
    expect(settings({ ...REQUIRED, HISTORY_LIMIT: raw }).historyLimit).toBe(limit);
  });

  it('quotes a bad HISTORY_LIMIT back', () => {
    expect(problems({ ...REQUIRED, HISTORY_LIMIT: 'lots' })).toEqual([
      'HISTORY_LIMIT must be an integer from 1 to 1000000 (got "lots")',
    ]);
  });

  it.each([
    [{}, 'pretty'],
    [{ NODE_ENV: 'development' }, 'pretty'],
    [{ NODE_ENV: 'production' }, 'json'],
    [{ NODE_ENV: 'production', LOG_FORMAT: 'pretty' }, 'pretty'],
    [{ NODE_ENV: 'test', LOG_FORMAT: 'json' }, 'json'],
  ])('with %j, LOG_FORMAT is %s', (env: Record<string, string>, format) => {
    expect(settings({ ...REQUIRED, ...env }).logFormat).toBe(format);
  });

  it('reads LOG_FORMAT and LOG_LEVEL case-insensitively, and every pino level', () => {
    expect(settings({ ...REQUIRED, LOG_FORMAT: 'JSON', LOG_LEVEL: 'Warn' })).toMatchObject({
      logFormat: 'json',
      logLevel: 'warn',
    });
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) {
      expect(settings({ ...REQUIRED, LOG_LEVEL: level }).logLevel).toBe(level);
    }
  });

  it('quotes a bad LOG_FORMAT and LOG_LEVEL back with the allowed values', () => {
    expect(problems({ ...REQUIRED, LOG_FORMAT: 'xml', LOG_LEVEL: 'verbose' })).toEqual([
      'LOG_FORMAT must be one of json, pretty (got "xml")',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")',
    ]);
  });

  it('explains a HEADERS_TIMEOUT above REQUEST_TIMEOUT', () => {
    expect(problems({ ...REQUIRED, HEADERS_TIMEOUT: '30', REQUEST_TIMEOUT: '10' })).toEqual([
      'HEADERS_TIMEOUT must not be greater than REQUEST_TIMEOUT, which includes the headers (got 30 and 10)',
    ]);
    expect(settings({ ...REQUIRED, HEADERS_TIMEOUT: '10', REQUEST_TIMEOUT: '10' })).toMatchObject({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 10_000,
    });
  });

  it('rounds a tiny DEPLOY_TIMEOUT up to a whole millisecond instead of down to none', () => {
    expect(settings({ ...REQUIRED, DEPLOY_TIMEOUT: '0.0001' }).deployTimeoutMs).toBe(1);
  });
});

describe('parseServerEnvironment', () => {
  it('reads the server settings alone: no target variable is required or read', () => {
    expect(parseServerEnvironment({ PORT: '9000', DEPLOY_TIMEOUT: 'x', WEBHOOK_PATH: '/health' }, '/srv')).toEqual({
      trustProxy: false,
      port: 9000,
      host: '0.0.0.0',
      adminToken: undefined,
      dataDir: '/srv/data',
      historyLimit: 1000,
      logFormat: 'pretty',
      logLevel: 'info',
      headersTimeoutMs: 20_000,
      requestTimeoutMs: 60_000,
      webhookBodyBudgetBytes: 64 * 1024 * 1024,
      maxConnections: 512,
      maxParallelDeploys: 2,
    });
  });

  it('reports every server problem at once, with the messages of parseEnvironment', () => {
    expect(
      parseServerEnvironment({ PORT: 'x', HEADERS_TIMEOUT: '30', REQUEST_TIMEOUT: '10', MAX_PARALLEL_DEPLOYS: '0' }),
    ).toEqual([
      'PORT must be an integer from 0 to 65535 (got "x")',
      'MAX_PARALLEL_DEPLOYS must be an integer from 1 to 64 (got "0")',
      'HEADERS_TIMEOUT must not be greater than REQUEST_TIMEOUT, which includes the headers (got 30 and 10)',
    ]);
  });
});
