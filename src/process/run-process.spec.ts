import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { runProcess, type ProcessResult } from './run-process.js';

const ROOT = resolve(import.meta.dirname, '../..');

async function run(
  file: string,
  args: readonly string[],
  cwd = tmpdir(),
): Promise<ProcessResult & { output: string; stdout: string }> {
  let output = '';
  let stdout = '';
  const result = await runProcess(file, args, {
    cwd,
    env: { PATH: process.env.PATH },
    signal: new AbortController().signal,
    output: (chunk) => (output += chunk),
    stdout: (chunk) => (stdout += chunk),
  });
  return { ...result, output, stdout };
}

describe('runProcess: a process that cannot start fails, and nothing else', () => {
  it('resolves as failed, with the reason, for a missing executable', async () => {
    const result = await run('no-such-program-hookdeploy', []);
    expect(result).toMatchObject({ exitCode: null, signal: null, timedOut: false });
    expect(result.startError).toMatch(/ENOENT/);
    expect(result.output).toMatch(/could not start no-such-program-hookdeploy: .*ENOENT/);
  });

  it('resolves as failed when spawn() throws instead of emitting (ENOMEM does; so does a NUL byte)', async () => {
    const result = await run('tr\0ue', []);
    expect(result).toMatchObject({ exitCode: null, signal: null, timedOut: false });
    expect(result.startError).toMatch(/null bytes/);
  });

  it('resolves as failed for a working directory that does not exist', async () => {
    const result = await run('true', [], join(tmpdir(), 'no-such-dir-hookdeploy'));
    expect(result).toMatchObject({ exitCode: null, timedOut: false });
    expect(result.startError).toMatch(/ENOENT/);
  });

  it('resolves as failed, and the process lives on, when every file descriptor is in use (EMFILE)', async () => {
    // A process of its own, with a limit of 64 open files: filling this one's (and jest's)
    // would break everything else in it.
    const { stdout } = await promisify(execFile)(
      'sh',
      ['-c', 'ulimit -n 64 && exec "$0" --import tsx test/fixtures/run-at-fd-limit.ts', process.execPath],
      { cwd: ROOT, timeout: 30_000 },
    );
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      held: number;
      outcome: { resolved?: ProcessResult; rejected?: string };
      output: string;
    };
    expect(report.held).toBeGreaterThan(0);
    expect(report.outcome.resolved).toMatchObject({ exitCode: null, signal: null, timedOut: false });
    expect(report.outcome.resolved?.startError).toMatch(/EMFILE/);
    expect(report.output).toMatch(/could not start true: .*EMFILE/);
  }, 40_000);
});

describe('runProcess: output is decoded as a stream', () => {
  it('keeps multi-byte characters that a pipe splits across chunks whole', async () => {
    // Each character written in two halves, with a pause between: the reader gets the
    // halves in separate chunks.
    const script = `
      const halves = [Buffer.from('€'), Buffer.from('😀')].flatMap((b) => [b.subarray(0, 1), b.subarray(1)]);
      let i = 0;
      const next = () => {
        if (i < halves.length * 10) process.stdout.write(halves[i++ % halves.length], () => setTimeout(next, 2));
      };
      next();
    `;
    const result = await run(process.execPath, ['-e', script]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('€😀'.repeat(10));
  });

  it('decodes stdout and stderr each on its own', async () => {
    const script = `
      const euro = Buffer.from('€');
      process.stdout.write(euro.subarray(0, 2));
      process.stderr.write(euro.subarray(0, 1), () =>
        setTimeout(() => {
          process.stdout.write(euro.subarray(2));
          process.stderr.write(euro.subarray(1));
        }, 20),
      );
    `;
    const result = await run(process.execPath, ['-e', script]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('€');
    expect(result.output).toBe('€');
  });

  it('returns 200,000 "€" written in one go without a replacement character', async () => {
    const result = await run(process.execPath, ['-e', "process.stdout.write('€'.repeat(200000))"]);
    expect(result.stdout.length).toBe(200_000);
    expect(result.stdout).not.toContain('\uFFFD');
  });
});
