import { readFileSync } from 'node:fs';

/**
 * When the process started, in clock ticks since boot (field 22 of /proc/<pid>/stat), or
 * null where /proc is not available or the process is gone. A pid alone can be reused
 * by an unrelated process after a restart; pid plus start time cannot.
 */
export function processStartTime(pid: number): string | null {
  return readStat(pid)?.startTime ?? null;
}

function readStat(pid: number): { state: string; startTime: string } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: count from its end.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [state, startTime] = [fields[0], fields[19]];
  return state && startTime ? { state, startTime } : undefined;
}

/** Running, and the same process as when `startTime` was read (a zombie has ended). */
function stillRunning(pid: number, startTime: string): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat.startTime === startTime && stat.state !== 'Z';
}

/**
 * Kills (SIGKILL) what is left of a process group that a previous hookdeploy process started and
 * could not end because it died first (SIGKILL, OOM, power button). Only when the group
 * leader is provably the same process. Resolves, once it is gone, with whether anything was killed.
 */
export async function endLeftoverGroup(processGroup: number, startedAt: string | null): Promise<boolean> {
  if (startedAt === null || !stillRunning(processGroup, startedAt)) return false;
  try {
    process.kill(-processGroup, 'SIGKILL');
  } catch {
    return false;
  }
  // The kill is delivered at once but takes effect a moment later; the caller then
  // touches what those processes held (git's index lock).
  for (let waited = 0; waited < 2000 && stillRunning(processGroup, startedAt); waited += 20) {
    await new Promise((done) => setTimeout(done, 20));
  }
  // The leader's children (git's fetch or rebase) die with it, a moment later.
  await new Promise((done) => setTimeout(done, 100));
  return true;
}
