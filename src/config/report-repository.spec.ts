import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GIT_ENV, GitFixture } from '../../test/fixtures/git-fixture.js';
import { ConfigError } from './config.error.js';
import { loadServiceConfig } from './load-service-config.js';

for (const key of ['GIT_CONFIG_NOSYSTEM', 'GIT_CONFIG_GLOBAL'] as const) process.env[key] = GIT_ENV[key];

describe('report needs the repository the forge knows', () => {
  let fixture: GitFixture;

  beforeAll(async () => {
    fixture = await GitFixture.create();
  });
  afterAll(() => fixture.remove());

  const target = (...extra: string[]) =>
    fixture.writeLines(
      'report.yml',
      'targets:',
      '  - id: site',
      '    secrets: [s3cret]',
      `    repoPath: ${fixture.deploy}`,
      ...extra,
      '    report:',
      '      token: ${TOKEN}',
    );

  it('is a boot problem when origin (a local path here) does not name it', async () => {
    await target();
    const error = await loadServiceConfig({ HOOKDEPLOY_CONFIG: 'report.yml', TOKEN: 'tok-1f2e' }, fixture.root).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(/report\.yml:\d+:\d+ targets\[0\]\.report: needs repository \(origin's URL/),
    ]);
  });

  it('passes with repository set', async () => {
    await target('    repository: octo/site');
    const config = await loadServiceConfig({ HOOKDEPLOY_CONFIG: 'report.yml', TOKEN: 'tok-1f2e' }, fixture.root);
    expect(config.targets[0]).toMatchObject({ repository: 'octo/site', report: { token: 'tok-1f2e' } });
    expect(config.secretVariables).toContain('TOKEN');
  });
});
