import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { GIT_ENV, GitFixture } from '../fixtures/git-fixture.js';

const exec = promisify(execFile);
const MAIN = resolve(import.meta.dirname, '../../dist/main.js');

/** `node dist/main.js [agent] --check-config` with only the given variables: its exit code and output lines. */
async function checkConfig(
  args: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<{ code: number | null; lines: string[] }> {
  const gitEnv = Object.fromEntries(Object.entries(GIT_ENV).filter(([key]) => key.startsWith('GIT_')));
  const lines = (text: string): string[] => text.split('\n').filter(Boolean);
  try {
    const { stdout, stderr } = await exec(process.execPath, [MAIN, ...args, '--check-config'], {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...gitEnv, ...env },
      timeout: 20_000,
    });
    return { code: 0, lines: lines(stdout + stderr) };
  } catch (error) {
    const failed = error as { code: number | null; stdout: string; stderr: string };
    return { code: failed.code, lines: lines(failed.stdout + failed.stderr) };
  }
}

describe("an agent's file without secrets (an agent never receives a webhook)", () => {
  let fixture: GitFixture;
  let path: string;

  beforeAll(async () => {
    fixture = await GitFixture.create();
    const work = await fixture.clone('work');
    path = await fixture.writeLines('agent.yml', 'targets:', '  - id: site', `    repoPath: ${work}`);
  });
  afterAll(async () => {
    await fixture.remove();
  });

  it('is a valid agent file', async () => {
    expect(await checkConfig(['agent'], { HOOKDEPLOY_CONFIG: path }, fixture.root)).toEqual({
      code: 0,
      lines: ['config ok: 1 target(s): site'],
    });
  }, 30_000);

  it('is not a valid file for the service, which verifies webhooks with them', async () => {
    expect(await checkConfig([], { HOOKDEPLOY_CONFIG: path }, fixture.root)).toEqual({
      code: 1,
      lines: [`${path}:2:5 targets[0].secrets: is required (a list of 1 or more secrets)`],
    });
  }, 30_000);
});
