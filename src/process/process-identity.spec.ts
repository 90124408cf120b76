import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endLeftoverGroup, processStartTime } from './process-identity.js';
import { waitFor } from '../../test/fixtures/wait.js';

/** Exists and is not a zombie (a killed orphan may stay a zombie where PID 1 does not reap). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function exited(child: ChildProcess): Promise<NodeJS.Signals | number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.signalCode ?? child.exitCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
}

describe('processStartTime', () => {
  it('reads a non-empty start time of this process, the same each time', () => {
    const first = processStartTime(process.pid);
    expect(first).toMatch(/^\d+$/);
    expect(processStartTime(process.pid)).toBe(first);
  });

  it('tells processes apart: a child started later has a later start time', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const own = processStartTime(process.pid)!;
      const its = processStartTime(child.pid!);
      expect(its).toMatch(/^\d+$/);
      expect(Number(its)).toBeGreaterThanOrEqual(Number(own));
      expect(processStartTime(child.pid!)).toBe(its);
    } finally {
      child.kill('SIGKILL');
      await exited(child);
    }
  });

  it('reads the start time of a process whose name contains spaces and parentheses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookdeploy-identity-'));
    const odd = join(dir, 'a) b (c) d');
    copyFileSync('/bin/sleep', odd);
    const child = spawn(odd, ['30'], { stdio: 'ignore' });
    try {
      await waitFor('the child runs its program', () =>
        readFileSync(`/proc/${child.pid}/stat`, 'utf8').includes('a) b'),
      );
      const its = processStartTime(child.pid!);
      expect(its).toMatch(/^\d+$/);
      expect(Number(its)).toBeGreaterThanOrEqual(Number(processStartTime(process.pid)));
    } finally {
      child.kill('SIGKILL');
      await exited(child);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers null for a process that has exited', async () => {
    const child = spawn('true', { stdio: 'ignore' });
    expect(await exited(child)).toBe(0);
    expect(processStartTime(child.pid!)).toBeNull();
  });

  it.each([2 ** 22 + 12345, 0, -1])('answers null for pid %i, which no process has', (pid) => {
    expect(processStartTime(pid)).toBeNull();
  });
});

describe('endLeftoverGroup', () => {
  const children: ChildProcess[] = [];
  const strays: number[] = [];

  /** A detached process group led by `sh`, with a `sleep` member; resolves with the member's pid. */
  async function group(): Promise<{ leader: ChildProcess; member: number }> {
    const leader = spawn('sh', ['-c', 'sleep 30 & echo $!; wait'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    children.push(leader);
    let output = '';
    leader.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor('the group member reports its pid', () => output.includes('\n'));
    const member = Number(output.trim());
    strays.push(member);
    return { leader, member };
  }

  beforeEach(() => {
    children.length = 0;
    strays.length = 0;
  });

  afterEach(async () => {
    for (const pid of strays) if (running(pid)) process.kill(pid, 'SIGKILL');
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited(child);
    }
  });

  it('kills a group whose leader is the same process, with its members, and resolves true once it is gone', async () => {
    const { leader, member } = await group();
    const started = processStartTime(leader.pid!);
    expect(started).not.toBeNull();
    expect(running(member)).toBe(true);
    expect(await endLeftoverGroup(leader.pid!, started)).toBe(true);
    expect(await exited(leader)).toBe('SIGKILL');
    await waitFor('the group member is gone', () => !running(member), 2000);
  });

  it('kills a single detached sleep', async () => {
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    children.push(child);
    expect(await endLeftoverGroup(child.pid!, processStartTime(child.pid!))).toBe(true);
    expect(await exited(child)).toBe('SIGKILL');
  });

  it.each<[string, (started: string) => string | null]>([
    ['another start time (the pid was reused)', (started) => String(Number(started) + 1)],
    ['an earlier start time', (started) => String(Number(started) - 100)],
    ['an empty start time', () => ''],
    ['no start time', () => null],
  ])('leaves the group running and resolves false given %s', async (_name, startedAt) => {
    const { leader, member } = await group();
    const started = processStartTime(leader.pid!)!;
    expect(await endLeftoverGroup(leader.pid!, startedAt(started))).toBe(false);
    expect(running(leader.pid!)).toBe(true);
    expect(running(member)).toBe(true);
    expect(processStartTime(leader.pid!)).toBe(started);
    process.kill(-leader.pid!, 'SIGKILL');
    expect(await exited(leader)).toBe('SIGKILL');
  });

  it('resolves false for a group that no longer exists', async () => {
    const child = spawn('true', { detached: true, stdio: 'ignore' });
    const started = processStartTime(child.pid!);
    await exited(child);
    expect(await endLeftoverGroup(child.pid!, started ?? '1')).toBe(false);
    expect(await endLeftoverGroup(2 ** 22 + 12345, '1')).toBe(false);
  });
});
