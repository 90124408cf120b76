import Database from 'better-sqlite3';
import { join } from 'node:path';
import { DATABASE_FILE, openDatabase } from '../../src/storage/open-database.js';

export interface HistoryShape {
  targets: readonly string[];
  deployments: number;
  deliveries: number;
}

/** Issue 12's history: 100,000 deployments and 1,000,000 deliveries, spread over the targets. */
export const BIG_HISTORY = { deployments: 100_000, deliveries: 1_000_000 } as const;

/** What a deploy of a small site writes: a few lines, so the file stays a few hundred MB. */
const LOG = 'hookdeploy: fetching origin\nAlready up to date.\n$ make deploy\nbuilt in 1.2s\nrestarted site\n';

/**
 * Writes a history straight into `<dataDir>/hookdeploy.db` in the current schema (made by
 * openDatabase, so it is what the service migrates to), in one transaction without a
 * journal: seconds instead of the minutes a million accepts through the stores would take.
 * Deployments go round-robin over the targets, each finished (one in ten failed) with its
 * log and 3 accepted deliveries (one of them a duplicate row); the rest of the deliveries
 * are the journal's other rows (ignored pushes to other branches, pings), interleaved in
 * time with the deployments, as a busy forge sends them.
 */
export function seedHistory(dataDir: string, shape: HistoryShape): void {
  openDatabase(dataDir).close();
  const db = new Database(join(dataDir, DATABASE_FILE));
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -262144');
    // The indexes are built once at the end, from sorted rows, rather than grown row by row.
    const indexes = db
      .prepare(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('deployments', 'deliveries')",
      )
      .all() as { name: string; sql: string }[];
    for (const { name } of indexes) db.exec(`DROP INDEX ${name}`);
    const insertDeployment = db.prepare(
      `INSERT INTO deployments (id, target, status, trigger, ref, requested_sha, head_before, head_after,
                                queued_at, started_at, finished_at, error)
       VALUES (?, ?, ?, 'push', 'refs/heads/main', ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertLog = db.prepare('INSERT INTO deployment_logs (deployment_id, text) VALUES (?, ?)');
    const insertDelivery = db.prepare(
      `INSERT INTO deliveries (target, delivery_id, event, received_at, outcome, reason, status_code, sha, deployment_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const attachedPer = 3;
    const unattached = shape.deliveries - shape.deployments * attachedPer;
    if (unattached < 0) throw new Error('fewer deliveries than the deployments take');
    const start = Date.parse('2025-01-01T00:00:00Z');
    let delivered = 0;
    db.transaction(() => {
      for (let id = 1; id <= shape.deployments; id += 1) {
        const target = shape.targets[id % shape.targets.length]!;
        const at = new Date(start + id * 60_000).toISOString();
        const sha = id.toString(16).padStart(40, '0');
        const failed = id % 10 === 0;
        insertDeployment.run(
          id,
          target,
          failed ? 'failed' : 'succeeded',
          sha,
          sha,
          failed ? null : sha,
          at,
          at,
          at,
          failed ? 'deploy command exited with code 2' : null,
        );
        insertLog.run(id, LOG);
        // The journal's other rows that came before this deployment's pushes.
        const others =
          Math.floor((unattached * id) / shape.deployments) - Math.floor((unattached * (id - 1)) / shape.deployments);
        for (let i = 0; i < others; i += 1) {
          delivered += 1;
          const ping = delivered % 10 === 0;
          insertDelivery.run(
            target,
            `other-${delivered}`,
            ping ? 'ping' : 'push',
            at,
            ping ? 'pong' : 'ignored',
            ping ? null : 'push to refs/heads/feature, deploying refs/heads/main',
            200,
            null,
            null,
          );
        }
        insertDelivery.run(target, `push-${id}-a`, 'push', at, 'queued', null, 202, sha, id);
        insertDelivery.run(target, `push-${id}-b`, 'push', at, 'queued', null, 202, sha, id);
        insertDelivery.run(target, `push-${id}-a`, 'push', at, 'duplicate', null, 200, sha, id);
      }
      for (const { sql } of indexes) db.exec(sql);
    })();
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
}
