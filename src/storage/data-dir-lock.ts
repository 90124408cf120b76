import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processStartTime } from '../process/process-identity.js';
import { DatabaseError } from './database.error.js';

export const LOCK_FILE = 'hookdeploy.pid';

/** Who holds a lock file, if it names a process that still runs (pid plus start time). */
function liveHolder(file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const [pid, started] = text.trim().split(/\s+/);
  const holder = Number(pid);
  if (!Number.isInteger(holder) || holder <= 0) return undefined;
  return processStartTime(holder) === (started ?? null) ? holder : undefined;
}

/**
 * Claims DATA_DIR for this process: `hookdeploy.pid` holds its pid and start time. Two
 * processes on one history would both "recover" the other's running deployment (killing
 * its command) and deploy the same work tree at once; the second one is refused instead.
 * A file left by a process that died (SIGKILL) is taken over. Returns the release.
 */
export function lockDataDir(dataDir: string): () => void {
  const file = join(dataDir, LOCK_FILE);
  const mine = `${process.pid} ${processStartTime(process.pid) ?? ''}\n`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, mine, { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new DatabaseError(`cannot write ${file}: ${(error as Error).message}`);
      }
    }
    const holder = liveHolder(file);
    if (holder === process.pid) return () => undefined;
    if (holder !== undefined) {
      throw new DatabaseError(`DATA_DIR ${dataDir} is in use by another hookdeploy process (pid ${holder})`);
    }
    // Left by a process that is gone: take it over (once; a second loss means a race).
    rmSync(file, { force: true });
  }
  throw new DatabaseError(`DATA_DIR ${dataDir}: another hookdeploy process is starting with it`);
}
