import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseError } from './database.error.js';
import { MIGRATIONS } from './migrations.js';
import { DATABASE_FILE, openDatabase, type Db } from './open-database.js';

/** The DatabaseError that opening `dataDir` throws; fails the test if it opens. */
function failure(dataDir: string): DatabaseError {
  let db: Db | undefined;
  try {
    db = openDatabase(dataDir);
  } catch (error) {
    expect(error).toBeInstanceOf(DatabaseError);
    const { message } = error as DatabaseError;
    // One log line: no stack trace, no SQLite internals spread over lines.
    expect(message).not.toMatch(/\n|\bat .+:\d+:\d+|node_modules/);
    return error as DatabaseError;
  }
  db.close();
  throw new Error(`openDatabase(${dataDir}) succeeded`);
}

describe('openDatabase', () => {
  let root: string;
  const opened: Db[] = [];

  function open(dataDir: string): Db {
    const db = openDatabase(dataDir);
    opened.push(db);
    return db;
  }

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'hookdeploy-db-'));
  });

  afterEach(() => {
    for (const db of opened.splice(0)) if (db.open) db.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('creates a nested DATA_DIR and hookdeploy.db in it', () => {
    const dataDir = join(root, 'var', 'lib', 'hookdeploy');
    open(dataDir);
    expect(DATABASE_FILE).toBe('hookdeploy.db');
    expect(statSync(dataDir).isDirectory()).toBe(true);
    expect(statSync(join(dataDir, 'hookdeploy.db')).isFile()).toBe(true);
  });

  it('uses WAL, normal sync (GroupCommit fsyncs what must be durable) and foreign keys, and migrates to the newest schema version', () => {
    const db = open(root);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(MIGRATIONS.length).toBeGreaterThan(0);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['deliveries', 'deployment_logs', 'deployments']));
  });

  it('reopens an existing database and keeps its data', () => {
    const first = open(root);
    first
      .prepare(`INSERT INTO deployments (status, trigger, ref, queued_at) VALUES ('succeeded', 'push', 'r', 't')`)
      .run();
    first.close();
    const again = open(root);
    expect(again.prepare('SELECT id, status, ref FROM deployments').all()).toEqual([
      { id: 1, status: 'succeeded', ref: 'r' },
    ]);
    expect(again.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(again.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('rebuilds deployments at version 4 without losing a log, a delivery or an id, and then takes a rollback', () => {
    const raw = new Database(join(root, DATABASE_FILE));
    raw.pragma('foreign_keys = ON');
    for (const step of MIGRATIONS.slice(0, 3)) raw.exec(step);
    raw.pragma('user_version = 3');
    const insert = raw.prepare(
      `INSERT INTO deployments (status, trigger, ref, queued_at, target) VALUES ('succeeded', 'push', 'r', 't', 'site')`,
    );
    for (let i = 0; i < 3; i++) insert.run();
    raw.exec(`INSERT INTO deployment_logs (deployment_id, text) VALUES (1, 'one'), (2, 'two')`);
    raw.exec(`INSERT INTO deliveries (delivery_id, received_at, outcome, status_code, deployment_id, target)
                VALUES ('d1', 't', 'queued', 202, 1, 'site'), ('d2', 't', 'queued', 202, 2, 'site')`);
    // The newest deployment was pruned: its id must still never come back.
    raw.exec(`DELETE FROM deployments WHERE id = 3`);
    raw.close();

    const db = open(root);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.prepare('SELECT deployment_id, text FROM deployment_logs ORDER BY 1').all()).toEqual([
      { deployment_id: 1, text: 'one' },
      { deployment_id: 2, text: 'two' },
    ]);
    expect(db.prepare('SELECT delivery_id FROM deliveries ORDER BY seq').pluck().all()).toEqual(['d1', 'd2']);
    const added = db
      .prepare(
        `INSERT INTO deployments (status, trigger, ref, queued_at, target, rollback_of) VALUES ('queued', 'rollback', 'r', 't', 'site', 1)`,
      )
      .run();
    expect(added.lastInsertRowid).toBe(4);
    // The foreign keys still hold after the rebuild: a log of a deleted deployment goes with it.
    db.exec('DELETE FROM deployments WHERE id = 1');
    expect(db.prepare('SELECT count(*) FROM deployment_logs').pluck().get()).toBe(1);
    expect(
      db.prepare(`SELECT count(*) FROM deliveries WHERE deployment_id IS NULL OR deployment_id = 1`).pluck().get(),
    ).toBe(0);
  });

  it('treats an empty hookdeploy.db as a new database', () => {
    writeFileSync(join(root, DATABASE_FILE), '');
    expect(open(root).pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
  });

  it('refuses a file that is not a database, naming its absolute path, and leaves it as it was', () => {
    const file = join(root, DATABASE_FILE);
    const garbage = Buffer.from('this is not SQLite, just some text\n'.repeat(200));
    writeFileSync(file, garbage);
    const error = failure(root);
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/not a database/);
    expect(readFileSync(file)).toEqual(garbage);
  });

  it('refuses a database whose schema is newer than this hookdeploy knows, naming the version', () => {
    const newer = MIGRATIONS.length + 3;
    const raw = new Database(join(root, DATABASE_FILE));
    raw.pragma(`user_version = ${newer}`);
    raw.close();
    const error = failure(root);
    expect(error.message).toContain(join(root, DATABASE_FILE));
    expect(error.message).toContain(String(newer));
    const check = new Database(join(root, DATABASE_FILE), { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(newer);
    expect(check.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'deployments'`).pluck().get()).toBe(0);
    check.close();
  });

  it.each([
    ['DATA_DIR is a regular file', (dir: string) => dir, ''],
    ['a parent of DATA_DIR is a regular file', (dir: string) => join(dir, 'below'), '/below'],
  ])('refuses when %s, naming DATA_DIR', (_name, dataDirOf, suffix) => {
    const file = join(root, 'not-a-dir');
    writeFileSync(file, 'x');
    const dataDir = dataDirOf(file);
    expect(dataDir).toBe(file + suffix);
    const error = failure(dataDir);
    expect(error.message).toContain(dataDir);
    expect(error.message).toMatch(/DATA_DIR/);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  it('refuses when hookdeploy.db is a directory, naming it', () => {
    mkdirSync(join(root, DATABASE_FILE));
    const error = failure(root);
    expect(error.message).toContain(join(root, DATABASE_FILE));
    expect(statSync(join(root, DATABASE_FILE)).isDirectory()).toBe(true);
  });
});
