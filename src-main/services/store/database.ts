import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrate, MigrationError, type Migration } from './migrations';

/** The console's open database and the schema version it was brought to. */
export interface OpenDatabase {
  db: Database.Database;
  file: string;
  schemaVersion: number;
}

/**
 * Opens (creating if needed) the console database: incremental auto-vacuum when the file is new,
 * WAL so readers never block ingest, foreign keys enforced, a busy timeout instead of instant
 * SQLITE_BUSY, then migrations.
 * `:memory:` gives a private database for tests. Never deletes or recreates a file.
 */
export function openDatabase(file: string, migrations: readonly Migration[]): OpenDatabase {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(file);
  } catch (error) {
    throw new DatabaseOpenError(file, error);
  }
  try {
    // Only an empty file can take auto_vacuum, and switching to WAL already writes its header, so
    // this goes first. INCREMENTAL lets VACUUM on demand free pages in short steps on this
    // connection; older files get it from their first (full) VACUUM (RetentionService).
    if (db.pragma('page_count', { simple: true }) === 0) db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.pragma('synchronous = NORMAL');
    const schemaVersion = migrate(db, migrations);
    return { db, file, schemaVersion };
  } catch (error) {
    db.close();
    throw error instanceof MigrationError ? error : new DatabaseOpenError(file, error);
  }
}

/** The database file could not be opened or read; the file is left exactly as it was. */
export class DatabaseOpenError extends Error {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(
      `cannot open the database ${file}: ${cause instanceof Error ? cause.message : String(cause)}. ` +
        'The file was not changed; move it aside or restore a backup to start afresh.',
      { cause },
    );
    this.name = 'DatabaseOpenError';
  }
}
