/** Human-readable times and commit ids. No DOM here. */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "just now", "42 s ago", "3 min ago", "5 h ago", "2 d ago". */
export function relativeTime(iso: string, now: number): string {
  // The server's clock may run slightly ahead of the browser's: never say "in 2 s".
  const elapsed = Math.max(0, now - Date.parse(iso));
  if (Number.isNaN(elapsed)) return iso;
  if (elapsed < 10 * SECOND) return 'just now';
  if (elapsed < MINUTE) return `${Math.floor(elapsed / SECOND)} s ago`;
  if (elapsed < HOUR) return `${Math.floor(elapsed / MINUTE)} min ago`;
  if (elapsed < DAY) return `${Math.floor(elapsed / HOUR)} h ago`;
  return `${Math.floor(elapsed / DAY)} d ago`;
}

/** "0.8 s", "12 s", "3 min 4 s", "2 h 5 min". */
export function duration(ms: number): string {
  const value = Math.max(0, ms);
  if (value < 10 * SECOND) return `${(value / SECOND).toFixed(1)} s`;
  if (value < MINUTE) return `${Math.floor(value / SECOND)} s`;
  if (value < HOUR) return `${Math.floor(value / MINUTE)} min ${Math.floor((value % MINUTE) / SECOND)} s`;
  return `${Math.floor(value / HOUR)} h ${Math.floor((value % HOUR) / MINUTE)} min`;
}

/** How long a deployment took, or has been running; null before it started. */
export function deploymentDuration(
  deployment: { startedAt: string | null; finishedAt: string | null },
  now: number,
): string | null {
  if (!deployment.startedAt) return null;
  const started = Date.parse(deployment.startedAt);
  if (deployment.finishedAt) return duration(Date.parse(deployment.finishedAt) - started);
  return `running for ${duration(now - started)}`;
}

/** The 7 characters people recognise a commit by (what GitHub and `git log --oneline` show). */
export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}

/** A full commit id: anything else is never put into a URL. */
export function isSha(value: string | null): value is string {
  return value !== null && /^[0-9a-f]{40}$/i.test(value);
}

/** "Rollback to #12" for a rollback; the trigger itself ("push", "manual", "recovery") otherwise. */
export function triggerLabel(deployment: { trigger: string; rollbackOf?: number }): string {
  return deployment.trigger === 'rollback' && deployment.rollbackOf !== undefined
    ? `Rollback to #${deployment.rollbackOf}`
    : deployment.trigger;
}

/**
 * A release whose activation or health check failed was switched back: its error is
 * "rolled back to <release>" (", but its activate failed too: …" when that failed as well).
 * Said in words; null for every other error.
 */
export function rolledBackInWords(error: string | null): string | null {
  const match = error === null ? null : /^rolled back to ([^\s,;:]+)(.*)$/s.exec(error);
  if (!match) return null;
  const release = match[1] ?? '';
  const rest = match[2] ?? '';
  if (rest.trim() === '') return `Health check failed — the previous release ${release} is serving again`;
  // ", but its activate failed too: <why>": the why is in the error shown underneath.
  const but = rest.startsWith(', but') ? rest.split(':')[0] : '';
  return `Health check failed — switched back to the previous release ${release}${but}`;
}
