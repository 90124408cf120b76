import { afterEach, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { GitFixture } from '../fixtures/git-fixture.js';
import { ServiceProcess } from '../fixtures/service-process.js';

describe('a git setting in the environment that simple-git refuses', () => {
  let fixture: GitFixture | undefined;
  let service: ServiceProcess | undefined;

  afterEach(async () => {
    service?.stop();
    await fixture?.remove();
  });

  it('stops the boot with one line naming the variable and the refusal, not "not a git work tree"', async () => {
    fixture = await GitFixture.create();
    service = ServiceProcess.start(
      {
        GITHUB_SECRET: 'boot-git-environment-secret',
        REPO_PATH: fixture.deploy,
        DATA_DIR: join(fixture.root, 'data'),
        PORT: '0',
        HOST: '127.0.0.1',
        GIT_CONFIG_COUNT: '1',
        GIT_CONFIG_KEY_0: 'protocol.file.allow',
        // A value may be a credential (http.extraHeader): it is never repeated.
        GIT_CONFIG_VALUE_0: 'always-secret-value',
      },
      fixture.root,
    );
    expect(await service.exitCode()).toBe(1);
    expect(service.output).toHaveLength(1);
    const [line] = service.output;
    expect(line).toMatch(/^hookdeploy: invalid configuration: /);
    expect(line).not.toMatch(/not a git work tree/);
    expect(line).toContain('GIT_CONFIG_KEY_0=protocol.file.allow');
    expect(line).toMatch(/simple-git refuses .*protocol\.allow is not permitted/);
    expect(line).not.toContain('always-secret-value');
  }, 30_000);
});
