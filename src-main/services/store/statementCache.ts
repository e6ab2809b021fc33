import type Database from 'better-sqlite3';

/**
 * Prepared statements of queries built from a few fixed fragments (which filters are present),
 * prepared once per shape; the bound only guards against an unexpected variety of shapes.
 */
export class StatementCache {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    private readonly maxStatements: number,
  ) {}

  prepared(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= this.maxStatements) this.statements.clear();
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/** Escapes `\`, `%` and `_` so a LIKE pattern matches the text literally (ESCAPE '\'). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}
