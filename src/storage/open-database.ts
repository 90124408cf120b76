import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseError } from './database.error.js';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

export const DATABASE_FILE = 'hookdeploy.db';

// Not `instanceof Error`: better-sqlite3's SqliteError may come from another realm (a
// second module context, as in tests), and its String() adds the class name.
function reason(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

/**
 * Opens (creating if needed) `<dataDir>/hookdeploy.db`, migrated to the current schema.
 * Every problem, a corrupt file included, becomes one DatabaseError naming the file:
 * the boot stops there rather than running without history.
 */
export function openDatabase(dataDir: string): Db {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    throw new DatabaseError(`cannot create DATA_DIR ${dataDir}: ${reason(error)}`);
  }
  const file = join(dataDir, DATABASE_FILE);
  let db: Db | undefined;
  try {
    db = new Database(file);
    // WAL: readers never wait for the writer. NORMAL: a commit survives the process being
    // killed; what must survive a power cut too (a delivery before its 202) is fsynced by
    // GroupCommit through WalSync, off the event loop.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
    // A page-level check is cheap enough at boot and catches a damaged file early.
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`integrity check failed: ${String(check)}`);
    return db;
  } catch (error) {
    db?.close();
    throw new DatabaseError(`cannot use the database ${file}: ${reason(error)}`);
  }
}

function migrate(db: Db): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new Error(`its schema version ${version} is newer than this hookdeploy knows (${MIGRATIONS.length})`);
  }
  if (version === MIGRATIONS.length) {
    // BEGIN IMMEDIATE even with nothing to do: it proves the file is writable at boot,
    // not at the first push.
    db.transaction(() => undefined).immediate();
    return;
  }
  // A step may rebuild a table (SQLite's way to change a CHECK): with foreign keys on, its
  // DROP would cascade into the rows that reference it. The pragma is a no-op inside a
  // transaction, so it is switched around it, and the keys are checked before the commit
  // (a scan of every referencing table: only when a step ran, never at an ordinary boot).
  db.pragma('foreign_keys = OFF');
  try {
    db.transaction(() => {
      for (let step = version; step < MIGRATIONS.length; step++) db.exec(MIGRATIONS[step]!);
      const broken = db.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0) throw new Error(`the migration left ${broken.length} broken references`);
      db.pragma(`user_version = ${MIGRATIONS.length}`);
    }).immediate();
  } finally {
    db.pragma('foreign_keys = ON');
  }
}
