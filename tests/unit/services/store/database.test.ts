import Database from 'better-sqlite3';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DatabaseOpenError,
  openDatabase,
  type OpenDatabase,
} from '../../../../src-main/services/store/database';
import { loadMigrations, MigrationError } from '../../../../src-main/services/store/migrations';

const migrations = loadMigrations(
  resolve(dirname(fileURLToPath(import.meta.url)), '../../../../resources/migrations'),
);

let tmp: string;
const opened: OpenDatabase[] = [];

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'nice-database-'));
});
afterEach(() => {
  for (const database of opened.splice(0)) if (database.db.open) database.db.close();
  rmSync(tmp, { recursive: true, force: true });
});

function openTracked(file: string): OpenDatabase {
  const database = openDatabase(file, migrations);
  opened.push(database);
  return database;
}

describe('openDatabase', () => {
  it('creates a file database in WAL mode with foreign keys on, migrated to the newest version', () => {
    const file = join(tmp, 'nested', 'folder', 'console.sqlite');
    const { db, schemaVersion, file: openedFile } = openTracked(file);
    expect(openedFile).toBe(file);
    expect(existsSync(file)).toBe(true);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(schemaVersion).toBe(migrations.length);
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(
      db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name = 'settings'").get(),
    ).toEqual({
      name: 'settings',
    });
  });

  it('enforces foreign keys for real', () => {
    const { db } = openTracked(join(tmp, 'fk.sqlite'));
    db.exec(
      'CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (parent_id INTEGER REFERENCES parent(id));',
    );
    expect(() => db.prepare('INSERT INTO child (parent_id) VALUES (42)').run()).toThrow(
      /FOREIGN KEY constraint failed/,
    );
  });

  it('reopens an existing file without losing its rows', () => {
    const file = join(tmp, 'console.sqlite');
    const first = openTracked(file);
    first.db.prepare("INSERT INTO settings VALUES ('theme', '\"light\"', '2024-01-01T00:00:00.000Z')").run();
    first.db.close();
    const second = openTracked(file);
    expect(second.db.prepare('SELECT key, value FROM settings').all()).toEqual([
      { key: 'theme', value: '"light"' },
    ]);
  });

  it('gives a private database for :memory:', () => {
    const a = openTracked(':memory:');
    const b = openTracked(':memory:');
    a.db.prepare("INSERT INTO settings VALUES ('theme', '\"light\"', 'now')").run();
    expect(b.db.prepare('SELECT count(*) AS n FROM settings').get()).toEqual({ n: 0 });
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('refuses a corrupt file with a clear error and leaves its bytes untouched', () => {
    const file = join(tmp, 'nice-console.sqlite');
    const garbage = Buffer.from(
      'this is not an SQLite database, just bytes an operator must not lose. '.repeat(64),
    );
    writeFileSync(file, garbage);

    let thrown: unknown;
    try {
      openDatabase(file, migrations);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DatabaseOpenError);
    expect((thrown as Error).message).toMatch(/not a database/);
    expect((thrown as Error).message).toContain(file);
    expect((thrown as Error).message).toContain('The file was not changed');
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file).equals(garbage)).toBe(true);
    // No WAL or journal was created beside it, and it was not replaced by a fresh database.
    expect(readdirSync(tmp)).toEqual(['nice-console.sqlite']);
  });

  it.runIf(process.platform === 'linux')(
    'closes the file when a migration refuses it, leaving it as it was',
    () => {
      const file = join(tmp, 'future.sqlite');
      const first = openTracked(file);
      first.db.pragma('user_version = 99');
      first.db.close();
      const handlesOnFile = (): number =>
        readdirSync('/proc/self/fd').filter((fd) => {
          try {
            return readlinkSync(join('/proc/self/fd', fd)) === file;
          } catch {
            return false;
          }
        }).length;
      expect(handlesOnFile()).toBe(0);

      expect(() => openDatabase(file, migrations)).toThrow(MigrationError);
      expect(handlesOnFile()).toBe(0);
      const raw = new Database(file, { readonly: true });
      expect(raw.pragma('user_version', { simple: true })).toBe(99);
      expect(raw.prepare('SELECT count(*) AS n FROM settings').get()).toEqual({ n: 0 });
      raw.close();
    },
  );
});
