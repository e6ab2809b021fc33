import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';

/** One ordered, append-only schema change. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** A database or migration folder the console refuses to touch, with the reason. */
export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

const fileNamePattern = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/**
 * Reads `NNNN_snake_case.sql` files from a folder, in order. Numbering must start at 1 and
 * have no gaps, so a missing or misnamed file fails loudly instead of skipping a change.
 */
export function loadMigrations(folder: string): Migration[] {
  const migrations = readdirSync(folder)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => {
      const match = fileNamePattern.exec(file);
      if (!match) throw new MigrationError(`migration file name must be NNNN_snake_case.sql: ${file}`);
      return {
        version: Number(match[1]),
        name: match[2] ?? file,
        sql: readFileSync(join(folder, file), 'utf8'),
      };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new MigrationError(`migration ${String(index + 1).padStart(4, '0')} is missing in ${folder}`);
    }
  });
  return migrations;
}

/**
 * Brings a database up to the newest migration, each step in its own transaction with
 * `PRAGMA user_version` moved inside it, so a failed step leaves the previous version intact.
 * A database newer than this build is refused rather than touched.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[]): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.length;
  if (current > latest) {
    throw new MigrationError(
      `database schema version ${current} is newer than this console understands (${latest}); update the console`,
    );
  }
  for (const migration of migrations.slice(current)) {
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
  return latest;
}
