import { readFileSync } from 'node:fs';

/**
 * This process's soft limit on open files (`ulimit -n`, systemd's LimitNOFILE), read from
 * /proc/self/limits; undefined where there is no /proc or no limit. Node has no API for it.
 */
export function openFileLimit(limits = readLimits()): number | undefined {
  const match = /^Max open files\s+(\d+)\s/m.exec(limits ?? '');
  return match ? Number(match[1]) : undefined;
}

function readLimits(): string | undefined {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
}
