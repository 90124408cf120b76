import { describe, expect, it } from '@jest/globals';
import { didYouMean } from './did-you-mean.js';
import { TARGET_KEYS } from './target.schema.js';
import { parseTargetsFile } from './targets-file.js';

const FILE = 'hookdeploy.yml';
const ENV = { SITE_SECRET: 'site-secret-7f3a', OLD_SECRET: 'old-secret-19cd', SITE_DIR: '/srv/site', SECONDS: '90' };

/** The file's lines joined: the tests count lines and columns on what they see. */
function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

function problems(text: string, env: Record<string, string> = ENV): string[] {
  return parseTargetsFile(text, FILE, env).problems;
}

/** One target whose every key is valid, with `extra` lines added to it. */
function oneTarget(...extra: string[]): string {
  return yaml('targets:', '  - id: site', '    secrets: ["${SITE_SECRET}"]', '    repoPath: /srv/site', ...extra);
}

describe('parseTargetsFile', () => {
  it('reads every key, with ${NAME} replaced', () => {
    const file = parseTargetsFile(
      yaml(
        'targets:',
        '  - id: site',
        '    forge: gitlab',
        '    secrets: ["${SITE_SECRET}", "${OLD_SECRET}", inline-secret]',
        '    repoPath: ${SITE_DIR}/',
        '    branch: refs/heads/main',
        '    repository: group/sub/site',
        '    strategy: reset',
        '    command: npm ci && echo "$DEPLOY_SHA" $${HOME}',
        '    timeout: ${SECONDS}',
      ),
      FILE,
      ENV,
    );
    expect(file.problems).toEqual([]);
    expect(file.targets).toEqual([
      expect.objectContaining({
        id: 'site',
        forge: 'gitlab',
        secrets: ['site-secret-7f3a', 'old-secret-19cd', 'inline-secret'],
        repoPath: '/srv/site',
        branch: 'main',
        repository: 'group/sub/site',
        strategy: 'reset',
        command: 'npm ci && echo "$DEPLOY_SHA" ${HOME}',
        timeoutMs: 90_000,
      }),
    ]);
    expect(file.secretVariables).toEqual(['SITE_SECRET', 'OLD_SECRET']);
  });

  it('applies the defaults of the keys left out, and of keys with no value', () => {
    const { targets, problems } = parseTargetsFile(oneTarget('    branch:', '    command:'), FILE, ENV);
    expect(problems).toEqual([]);
    expect(targets).toEqual([
      expect.objectContaining({
        forge: 'github',
        branch: undefined,
        repository: undefined,
        strategy: 'rebase',
        command: undefined,
        timeoutMs: 600_000,
      }),
    ]);
  });

  // One case per kind of problem, each with its exact line and column.
  it.each<[string, string, string[]]>([
    ['a YAML syntax error', yaml('targets:', '  - id: site', '    secrets: [a', '  - id: b'), ['hookdeploy.yml:4:3 ']],
    ['a key written twice', oneTarget('    id: again'), ['hookdeploy.yml:5:5 Map keys must be unique']],
    ['an empty file', '', ['hookdeploy.yml:1:1 the file must be a mapping with a targets list']],
    ['a list at the top', yaml('- id: site'), ['hookdeploy.yml:1:1 the file must be a mapping with a targets list']],
    [
      'no targets key',
      yaml('target: []'),
      ['hookdeploy.yml:1:1 targets: is required', 'hookdeploy.yml:1:1 target: unknown key (did you mean targets?)'],
    ],
    ['an empty targets list', yaml('targets: []'), ['hookdeploy.yml:1:10 targets: must hold at least one target']],
    ['targets not a list', yaml('targets: site'), ['hookdeploy.yml:1:10 targets: must be a list of targets']],
    [
      'an unknown top-level key',
      oneTarget().concat('server:\n  port: 1\n'),
      ['hookdeploy.yml:5:1 server: unknown key'],
    ],
    [
      'a target that is not a mapping',
      yaml('targets:', '  - site'),
      ['hookdeploy.yml:2:5 targets[0]: must be a mapping of the keys of a target'],
    ],
    [
      'an unknown key',
      oneTarget('    comand: make'),
      ['hookdeploy.yml:5:5 targets[0].comand: unknown key (did you mean command?)'],
    ],
    [
      'an unknown key like no other',
      oneTarget('    servers: [a]'),
      ['hookdeploy.yml:5:5 targets[0].servers: unknown key'],
    ],
    [
      'a missing id',
      yaml('targets:', '  - secrets: [a]', '    repoPath: /srv/site'),
      ['hookdeploy.yml:2:5 targets[0].id: is required'],
    ],
    [
      'a bad id',
      yaml('targets:', '  - id: My_Site', '    secrets: [a]', '    repoPath: /srv/site'),
      ['hookdeploy.yml:2:9 targets[0].id: must be 1 to 63 lowercase letters'],
    ],
    [
      'an id that is a number',
      yaml('targets:', '  - id: 42', '    secrets: [a]', '    repoPath: /srv/site'),
      ['hookdeploy.yml:2:9 targets[0].id: must be a string'],
    ],
    [
      'an unknown forge',
      oneTarget('    forge: svn'),
      [
        'hookdeploy.yml:5:12 targets[0].forge: must be one of github, gitlab, gitea, forgejo, bitbucket, bitbucket-server',
      ],
    ],
    [
      'missing secrets',
      yaml('targets:', '  - id: site', '    repoPath: /srv/site'),
      ['hookdeploy.yml:2:5 targets[0].secrets: is required'],
    ],
    [
      'no secret',
      yaml('targets:', '  - id: site', '    secrets: []', '    repoPath: /srv/site'),
      ['hookdeploy.yml:3:14 targets[0].secrets: must hold at least one secret'],
    ],
    [
      'secrets as a string',
      yaml('targets:', '  - id: site', '    secrets: abc', '    repoPath: /srv/site'),
      ['hookdeploy.yml:3:14 targets[0].secrets: must be a list of 1 or more secrets'],
    ],
    [
      'an empty secret',
      yaml('targets:', '  - id: site', '    secrets: [a, ""]', '    repoPath: /srv/site'),
      ['hookdeploy.yml:3:18 targets[0].secrets[1]: is required'],
    ],
    [
      'an unset variable',
      yaml('targets:', '  - id: site', '    secrets: [a, "${NOPE}"]', '    repoPath: /srv/site'),
      ['hookdeploy.yml:3:18 targets[0].secrets[1]: ${NOPE} is not set'],
    ],
    [
      'a missing repoPath',
      yaml('targets:', '  - id: site', '    secrets: [a]'),
      ['hookdeploy.yml:2:5 targets[0].repoPath: is required'],
    ],
    [
      'an empty repoPath',
      yaml('targets:', '  - id: site', '    secrets: [a]', '    repoPath:'),
      ['hookdeploy.yml:4:5 targets[0].repoPath: is required'],
    ],
    [
      'a relative repoPath',
      yaml('targets:', '  - id: site', '    secrets: [a]', '    repoPath: srv/site'),
      ['hookdeploy.yml:4:15 targets[0].repoPath: must be an absolute path'],
    ],
    [
      'a bad branch',
      oneTarget('    branch: feature..x'),
      ['hookdeploy.yml:5:13 targets[0].branch: is not a valid branch name'],
    ],
    ['an empty branch', oneTarget('    branch: ""'), ['hookdeploy.yml:5:13 targets[0].branch: must not be empty']],
    [
      'a bad repository',
      oneTarget('    repository: just-a-name'),
      ['hookdeploy.yml:5:17 targets[0].repository: must be owner/name'],
    ],
    [
      'a nested repository off GitLab',
      oneTarget('    repository: a/b/c'),
      ['hookdeploy.yml:5:17 targets[0].repository: must be owner/name'],
    ],
    [
      'an unknown strategy',
      oneTarget('    strategy: merge'),
      ['hookdeploy.yml:5:15 targets[0].strategy: must be one of rebase, ff-only, reset'],
    ],
    [
      'a command that is a list',
      oneTarget('    command: [make]'),
      ['hookdeploy.yml:5:14 targets[0].command: must be a string'],
    ],
    [
      'a zero timeout',
      oneTarget('    timeout: 0'),
      ['hookdeploy.yml:5:14 targets[0].timeout: must be a number of seconds above 0 and at most 86400'],
    ],
    [
      'a timeout in words',
      oneTarget('    timeout: ten minutes'),
      ['hookdeploy.yml:5:14 targets[0].timeout: must be a number of seconds'],
    ],
    [
      'a timeout over a day',
      oneTarget('    timeout: 86401'),
      ['hookdeploy.yml:5:14 targets[0].timeout: must be a number of seconds above 0 and at most 86400'],
    ],
    [
      'a duplicate id',
      yaml(
        'targets:',
        '  - id: site',
        '    secrets: [a]',
        '    repoPath: /srv/a',
        '  - id: site',
        '    secrets: [b]',
        '    repoPath: /srv/b',
      ),
      ['hookdeploy.yml:5:9 targets[1].id: duplicate id site: targets[0] has it already'],
    ],
  ])('reports %s at its place', (_kind, text, expected) => {
    expect(problems(text)).toEqual(expected.map((start) => expect.stringMatching(`^${escape(start)}`)));
  });

  it('reports every problem at once, in the order of the file', () => {
    const text = yaml(
      'targets:',
      '  - id: site',
      '    secrets: ["${SITE_SECRET}"]',
      '    repoPath: relative/path',
      '    comand: make',
      '  - id: Blog',
      '    forge: gitlub',
      '    secrets: ["${BLOG_SECRET}"]',
      '    repoPath: /srv/blog',
      '    timeout: -1',
      '  - id: site',
      '    secrets: [x]',
      '    repoPath: /srv/other',
      'port: 8000',
    );
    expect(problems(text)).toEqual([
      'hookdeploy.yml:4:15 targets[0].repoPath: must be an absolute path',
      'hookdeploy.yml:5:5 targets[0].comand: unknown key (did you mean command?)',
      'hookdeploy.yml:6:9 targets[1].id: must be 1 to 63 lowercase letters, digits or -, starting with a letter or digit (it is a URL segment)',
      'hookdeploy.yml:7:12 targets[1].forge: must be one of github, gitlab, gitea, forgejo, bitbucket, bitbucket-server',
      'hookdeploy.yml:8:15 targets[1].secrets[0]: ${BLOG_SECRET} is not set',
      'hookdeploy.yml:10:14 targets[1].timeout: must be a number of seconds above 0 and at most 86400',
      'hookdeploy.yml:11:9 targets[2].id: duplicate id site: targets[0] has it already',
      'hookdeploy.yml:14:1 port: unknown key',
    ]);
  });

  it('gives only the valid targets, each able to name the place of its keys', () => {
    const text = yaml(
      'targets:',
      '  - id: bad',
      '  - id: site',
      '    secrets: [a]',
      '    repoPath: /srv/site',
      '    branch: main',
    );
    const file = parseTargetsFile(text, FILE, ENV);
    expect(file.targets.map((target) => target.id)).toEqual(['site']);
    const [site] = file.targets;
    expect(site.index).toBe(1);
    expect(site.place('repoPath')).toBe('hookdeploy.yml:5:15 targets[1].repoPath');
    expect(site.place('branch')).toBe('hookdeploy.yml:6:13 targets[1].branch');
    // A key the target does not have: the target itself.
    expect(site.place('repository')).toBe('hookdeploy.yml:3:5 targets[1]');
  });

  it('never quotes a secret, whether inline or from the environment', () => {
    const inline = 'inline-secret-5e6f';
    const invalid = yaml(
      'targets:',
      '  - id: site',
      `    secrets: ["\${SITE_SECRET}", "${inline}", "${inline}\${broken", [${inline}]]`,
      '    repoPath: /srv/site',
      `    comand: ${inline}`,
    );
    const broken = yaml('targets:', '  - id: site', `    secrets: [${inline}`, `  - [${inline}`);
    for (const text of [invalid, broken]) {
      const found = problems(text);
      expect(found.length).toBeGreaterThan(0);
      expect(found.join('\n')).not.toContain(inline);
      expect(found.join('\n')).not.toContain(ENV.SITE_SECRET);
    }
  });
});

describe('parseTargetsFile: release mode and report', () => {
  it('reads a release target with its defaults, and the report token as a secret variable', () => {
    const file = parseTargetsFile(
      oneTarget(
        '    mode: release',
        '    releases:',
        '      path: /srv/app/',
        '      shared: [.env, storage/uploads]',
        '    build: npm ci',
        '    healthCheck:',
        '      url: http://127.0.0.1:3000/health',
        '    report:',
        '      token: ${OLD_SECRET}',
        '      apiUrl: https://git.example.com/api/v1/',
      ),
      FILE,
      ENV,
    );
    expect(file.problems).toEqual([]);
    expect(file.targets[0].release).toEqual({
      path: '/srv/app',
      keep: 5,
      shared: ['.env', 'storage/uploads'],
      build: 'npm ci',
      activate: undefined,
      healthCheck: { url: 'http://127.0.0.1:3000/health', timeoutMs: 30_000 },
    });
    expect(file.targets[0].report).toEqual({
      token: 'old-secret-19cd',
      apiUrl: 'https://git.example.com/api/v1',
      environment: 'production',
      publicUrl: undefined,
    });
    expect(file.secretVariables).toEqual(['SITE_SECRET', 'OLD_SECRET']);
  });

  it('refuses command with mode: release (build and activate say where and when)', () => {
    expect(
      problems(oneTarget('    mode: release', '    releases: { path: /srv/app }', '    command: make deploy')),
    ).toEqual([
      expect.stringMatching(/targets\[0\]\.command: is not used with mode: release: use build .* and activate/),
    ]);
  });

  it('hides the variables of the health check URL (it may hold a password), and refuses credentials that do not decode', () => {
    const file = parseTargetsFile(
      oneTarget(
        '    mode: release',
        '    releases: { path: /srv/app }',
        '    healthCheck: { url: "http://probe:${SECONDS}@127.0.0.1:3000/health" }',
      ),
      FILE,
      ENV,
    );
    expect(file.problems).toEqual([]);
    expect(file.secretVariables).toEqual(['SITE_SECRET', 'SECONDS']);
    expect(
      problems(
        oneTarget(
          '    mode: release',
          '    releases: { path: /srv/app }',
          '    healthCheck: { url: "http://u:50%@127.0.0.1/" }',
        ),
      ),
    ).toEqual([expect.stringMatching(/targets\[0\]\.healthCheck\.url: must be an http:\/\/ or https:\/\/ URL/)]);
  });

  it('leaves an in-place target without release settings', () => {
    const [target] = parseTargetsFile(oneTarget('    mode: in-place'), FILE, ENV).targets;
    expect(target.release).toBeUndefined();
    expect(target.report).toBeUndefined();
  });

  it('says what is wrong with each release key, never quoting the token', () => {
    expect(problems(oneTarget('    mode: release'))).toEqual([
      'hookdeploy.yml:2:5 targets[0].releases: is required with mode: release',
    ]);
    expect(problems(oneTarget('    build: make', '    healthCheck: { url: http://x/ }'))).toEqual([
      'hookdeploy.yml:5:12 targets[0].build: is only used with mode: release',
      'hookdeploy.yml:6:18 targets[0].healthCheck: is only used with mode: release',
    ]);
    const bad = problems(
      oneTarget(
        '    mode: release',
        '    releases: { path: relative, keep: 0, shared: [../up, /abs, .git] }',
        '    healthCheck: { url: ftp://x/, timeout: 0 }',
        '    report: { token: tok-9d8e7f, apiUrl: "not a url", colour: red }',
      ),
    );
    expect(bad.join('\n')).not.toContain('tok-9d8e7f');
    expect(bad).toEqual([
      expect.stringMatching(/targets\[0\]\.releases\.path: must be an absolute path$/),
      expect.stringMatching(/targets\[0\]\.releases\.keep: must be a whole number of 1 or more$/),
      expect.stringMatching(/targets\[0\]\.releases\.shared\[0\]: must be a path inside the release/),
      expect.stringMatching(/targets\[0\]\.releases\.shared\[1\]: must be a path inside the release/),
      expect.stringMatching(/targets\[0\]\.releases\.shared\[2\]: must be a path inside the release/),
      expect.stringMatching(/targets\[0\]\.healthCheck\.url: must be an http:\/\/ or https:\/\/ URL/),
      expect.stringMatching(/targets\[0\]\.healthCheck\.timeout: must be a number of seconds above 0/),
      expect.stringMatching(/targets\[0\]\.report\.apiUrl: must be an http:\/\/ or https:\/\/ URL/),
      expect.stringMatching(/targets\[0\]\.report\.colour: unknown key$/),
    ]);
  });
});

describe('didYouMean', () => {
  it.each([
    ['comand', 'command'],
    ['repopath', 'repoPath'],
    ['repo_path', 'repoPath'],
    ['secret', 'secrets'],
    ['stratgy', 'strategy'],
    ['timout', 'timeout'],
    ['servers', undefined],
    ['script', undefined],
  ])('guesses %s meant %s', (typo, meant) => {
    expect(didYouMean(typo, TARGET_KEYS)).toBe(meant);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
