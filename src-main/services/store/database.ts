import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrate, type Migration } from './migrations';

/** The console's open database and the schema version it was brought to. */
export interface OpenDatabase {
  db: Database.Database;
  file: string;
  schemaVersion: number;
}

/**
 * Opens (creating if needed) the console database: WAL so readers never block ingest,
 * foreign keys enforced, a busy timeout instead of instant SQLITE_BUSY, then migrations.
 * `:memory:` gives a private database for tests. Never deletes or recreates a file.
 */
export function openDatabase(file: string, migrations: readonly Migration[]): OpenDatabase {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.pragma('synchronous = NORMAL');
    const schemaVersion = migrate(db, migrations);
    return { db, file, schemaVersion };
  } catch (error) {
    db.close();
    throw error;
  }
}
