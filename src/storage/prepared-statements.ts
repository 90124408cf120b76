import type { Statement } from 'better-sqlite3';
import type { Db } from './open-database.js';

/**
 * The statements of every store over one database, each prepared once per text: the
 * accept step runs several per delivery, and preparing costs about as much as running.
 */
export class PreparedStatements {
  private readonly statements = new Map<string, Statement>();

  constructor(readonly db: Db) {}

  sql(text: string): Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }
}
