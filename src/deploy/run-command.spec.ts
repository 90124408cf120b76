import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KILL_GRACE_MS, runCommand, type CommandResult } from './run-command.js';
import { isAlive, waitFor } from '../../test/fixtures/wait.js';

const BASE_ENV = { PATH: process.env.PATH };

async function run(
  command: string,
  options: { env?: NodeJS.ProcessEnv; signal?: AbortSignal; cwd?: string } = {},
): Promise<CommandResult & { output: string; ms: number }> {
  let output = '';
  const started = Date.now();
  const result = await runCommand(command, {
    cwd: options.cwd ?? tmpdir(),
    env: options.env ?? BASE_ENV,
    signal: options.signal ?? new AbortController().signal,
    output: (chunk) => (output += chunk),
  });
  return { ...result, output, ms: Date.now() - started };
}

async function pidIn(file: string): Promise<number> {
  let pid = NaN;
  await waitFor(`${file} holds a pid`, async () => {
    pid = Number(await readFile(file, 'utf8').catch(() => ''));
    return Number.isInteger(pid) && pid > 0;
  });
  return pid;
}

describe('runCommand', () => {
  let dir: string;
  const leftovers: number[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hookdeploy-run-'));
  });
  afterAll(async () => {
    for (const pid of leftovers) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['true', 0],
    ['exit 3', 3],
    ['false', 1],
    ['no-such-command-hookdeploy', 127],
  ])('reports the exit code of %j: %i', async (command, exitCode) => {
    expect(await run(command)).toMatchObject({ exitCode, signal: null, timedOut: false });
  });

  it('captures stdout and stderr', async () => {
    const { output } = await run('echo to-stdout; echo to-stderr >&2');
    expect(output).toContain('to-stdout\n');
    expect(output).toContain('to-stderr\n');
  });

  it('runs in the given directory with exactly the given environment', async () => {
    const env = { ...BASE_ENV, DEPLOY_SHA: 'c0ffee', DEPLOY_REF: 'refs/heads/main' };
    const { output } = await run('pwd; echo "$DEPLOY_SHA $DEPLOY_REF [$HOME]"', { env, cwd: dir });
    expect(output).toBe(`${dir}\nc0ffee refs/heads/main []\n`);
  });

  it('kills the whole process group on abort and reports a timeout', async () => {
    const pidfile = join(dir, 'grandchild.pid');
    const controller = new AbortController();
    const result = run(`sleep 30 & echo $! > '${pidfile}'; wait`, { signal: controller.signal });
    const grandchild = await pidIn(pidfile);
    leftovers.push(grandchild);
    expect(isAlive(grandchild)).toBe(true);
    controller.abort();
    expect(await result).toMatchObject({ exitCode: null, signal: 'SIGTERM', timedOut: true });
    await waitFor(`sleep ${grandchild} is gone`, () => !isAlive(grandchild));
  });

  it('kills a command that was aborted before it started', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await run('sleep 30', { signal: controller.signal });
    expect(result).toMatchObject({ exitCode: null, timedOut: true });
    expect(result.ms).toBeLessThan(2000);
  });

  it(
    'kills a command that ignores SIGTERM with SIGKILL after the grace period',
    async () => {
      const pidfile = join(dir, 'stubborn.pid');
      const controller = new AbortController();
      const result = run(`trap '' TERM; sleep 30 & echo $! > '${pidfile}'; wait`, { signal: controller.signal });
      const grandchild = await pidIn(pidfile);
      leftovers.push(grandchild);
      controller.abort();
      const aborted = Date.now();
      const settled = await result;
      expect(settled).toMatchObject({ exitCode: null, signal: 'SIGKILL', timedOut: true });
      expect(Date.now() - aborted).toBeGreaterThanOrEqual(KILL_GRACE_MS - 100);
      await waitFor(`sleep ${grandchild} is gone`, () => !isAlive(grandchild));
    },
    KILL_GRACE_MS + 5000,
  );

  it('resolves soon after the shell exits even if a background child keeps stdout open', async () => {
    const pidfile = join(dir, 'daemon.pid');
    const result = await run(`echo started; sleep 30 & echo $! > '${pidfile}'`);
    leftovers.push(await pidIn(pidfile));
    expect(result).toMatchObject({ exitCode: 0, timedOut: false, output: 'started\n' });
    expect(result.ms).toBeLessThan(2000);
  });
});
