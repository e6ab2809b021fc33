import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrate, MigrationError } from '../../../../src-main/services/store/migrations';

const realMigrationsDir = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../../resources/migrations',
);

const settingsSql = `CREATE TABLE settings (
  key        TEXT PRIMARY KEY NOT NULL,
  value      TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;`;

let tmp: string;
const openDbs: Database.Database[] = [];

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'nice-migrations-'));
});
afterEach(() => {
  for (const db of openDbs.splice(0)) if (db.open) db.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Writes a migration folder with the given files and returns its path. */
function folder(name: string, files: Record<string, string>): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  for (const [file, sql] of Object.entries(files)) writeFileSync(join(dir, file), sql);
  return dir;
}

function open(file: string): Database.Database {
  const db = new Database(file);
  openDbs.push(db);
  return db;
}

function userVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function tableNames(db: Database.Database): string[] {
  return (
    db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as {
      name: string;
    }[]
  ).map((row) => row.name);
}

describe('loadMigrations', () => {
  it('loads the real resources/migrations folder in order, starting at 0001_settings', () => {
    const migrations = loadMigrations(realMigrationsDir);
    expect(migrations.length).toBeGreaterThanOrEqual(1);
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, index) => index + 1));
    expect(migrations[0]).toMatchObject({ version: 1, name: 'settings' });
    expect(migrations[0]?.sql).toContain('CREATE TABLE settings');
  });

  it('sorts by number, not by directory order, and ignores files that are not .sql', () => {
    const dir = folder('sorted', {
      '0002_devices.sql': 'CREATE TABLE devices (id TEXT PRIMARY KEY) STRICT;',
      '0001_settings.sql': settingsSql,
      'README.md': 'not a migration',
    });
    expect(loadMigrations(dir).map((m) => [m.version, m.name])).toEqual([
      [1, 'settings'],
      [2, 'devices'],
    ]);
  });

  it.each([
    ['no number', 'settings.sql'],
    ['three digits', '001_settings.sql'],
    ['upper case', '0001_Settings.sql'],
    ['dash', '0001-settings.sql'],
    ['space', '0001_my settings.sql'],
  ])('rejects a misnamed file (%s) by name', (_label, badName) => {
    const dir = folder('misnamed', { [badName]: settingsSql });
    expect(() => loadMigrations(dir)).toThrow(MigrationError);
    expect(() => loadMigrations(dir)).toThrow(badName);
  });

  it('rejects a gap in the numbering and names the missing number', () => {
    const dir = folder('gap', {
      '0001_settings.sql': settingsSql,
      '0003_devices.sql': 'CREATE TABLE devices (id TEXT PRIMARY KEY) STRICT;',
    });
    expect(() => loadMigrations(dir)).toThrow(MigrationError);
    expect(() => loadMigrations(dir)).toThrow(/0002 is missing/);
  });

  it('rejects numbering that does not start at 0001', () => {
    const dir = folder('late-start', { '0002_devices.sql': 'CREATE TABLE devices (id TEXT) STRICT;' });
    expect(() => loadMigrations(dir)).toThrow(/0001 is missing/);
  });

  it('rejects two files with the same number', () => {
    const dir = folder('duplicate', {
      '0001_settings.sql': settingsSql,
      '0001_other.sql': 'CREATE TABLE other (id TEXT) STRICT;',
    });
    expect(() => loadMigrations(dir)).toThrow(MigrationError);
  });
});

describe('migrate', () => {
  it('brings a fresh in-memory database to the newest version with the settings table', () => {
    const db = open(':memory:');
    expect(userVersion(db)).toBe(0);
    const migrations = loadMigrations(realMigrationsDir);
    expect(migrations[0]?.version).toBe(1);
    expect(migrate(db, migrations)).toBe(migrations.length);
    expect(userVersion(db)).toBe(migrations.length);
    expect(tableNames(db)).toContain('settings');
    const columns = (db.pragma('table_info(settings)') as { name: string }[]).map((column) => column.name);
    expect(columns).toEqual(['key', 'value', 'updated_at']);
  });

  it('is idempotent: running again on an up-to-date database changes nothing', () => {
    const db = open(':memory:');
    const migrations = loadMigrations(realMigrationsDir);
    migrate(db, migrations);
    db.prepare("INSERT INTO settings VALUES ('theme', '\"light\"', '2024-01-01T00:00:00.000Z')").run();
    expect(migrate(db, migrations)).toBe(migrations.length);
    expect(db.prepare('SELECT value FROM settings').all()).toEqual([{ value: '"light"' }]);
  });

  it('upgrades a database from the previous version and keeps its rows', () => {
    const file = join(tmp, 'console.sqlite');
    const v1 = folder('v1', { '0001_settings.sql': settingsSql });
    const v2 = folder('v2', {
      '0001_settings.sql': settingsSql,
      '0002_devices.sql': `CREATE TABLE devices (
        id    TEXT PRIMARY KEY NOT NULL,
        label TEXT NOT NULL
      ) STRICT;
      INSERT INTO devices (id, label) VALUES ('cam-1', 'Gate');`,
    });

    const before = open(file);
    expect(migrate(before, loadMigrations(v1))).toBe(1);
    before.prepare("INSERT INTO settings VALUES ('theme', '\"light\"', '2024-01-01T00:00:00.000Z')").run();
    before.close();

    const after = open(file);
    expect(userVersion(after)).toBe(1);
    expect(migrate(after, loadMigrations(v2))).toBe(2);
    expect(userVersion(after)).toBe(2);
    expect(after.prepare('SELECT key, value, updated_at FROM settings').all()).toEqual([
      { key: 'theme', value: '"light"', updated_at: '2024-01-01T00:00:00.000Z' },
    ]);
    expect(after.prepare('SELECT id, label FROM devices').all()).toEqual([{ id: 'cam-1', label: 'Gate' }]);
    after.close();

    // The upgrade is on disk, not only in the connection that ran it.
    const reopened = open(file);
    expect(userVersion(reopened)).toBe(2);
    expect(tableNames(reopened)).toEqual(['devices', 'settings']);
  });

  it('leaves the previous version and data intact when a migration fails', () => {
    const file = join(tmp, 'console.sqlite');
    const db = open(file);
    migrate(db, loadMigrations(folder('v1', { '0001_settings.sql': settingsSql })));
    db.prepare("INSERT INTO settings VALUES ('theme', '\"light\"', '2024-01-01T00:00:00.000Z')").run();

    const broken = folder('broken', {
      '0001_settings.sql': settingsSql,
      // The first statement succeeds, the second does not: both must be rolled back.
      '0002_broken.sql': `CREATE TABLE devices (id TEXT PRIMARY KEY) STRICT;
        DELETE FROM settings;
        CREATE TABLE oops (id TEXT PRIMARY KEY,;`,
    });
    expect(() => migrate(db, loadMigrations(broken))).toThrow(/syntax error/);
    expect(userVersion(db)).toBe(1);
    expect(tableNames(db)).toEqual(['settings']);
    expect(db.prepare('SELECT key, value FROM settings').all()).toEqual([{ key: 'theme', value: '"light"' }]);
    db.close();

    const reopened = open(file);
    expect(userVersion(reopened)).toBe(1);
    expect(tableNames(reopened)).toEqual(['settings']);
    expect(reopened.prepare('SELECT count(*) AS n FROM settings').get()).toEqual({ n: 1 });
  });

  it('keeps the steps that succeeded before a failing one', () => {
    const db = open(':memory:');
    const dir = folder('partial', {
      '0001_settings.sql': settingsSql,
      '0002_devices.sql': 'CREATE TABLE devices (id TEXT PRIMARY KEY) STRICT;',
      '0003_broken.sql': 'CREATE TABLE broken (;',
    });
    expect(() => migrate(db, loadMigrations(dir))).toThrow();
    expect(userVersion(db)).toBe(2);
    expect(tableNames(db)).toEqual(['devices', 'settings']);
  });

  it('refuses a database newer than this build and leaves it untouched', () => {
    const file = join(tmp, 'future.sqlite');
    const future = open(file);
    future.exec(settingsSql);
    future.exec('CREATE TABLE from_the_future (id TEXT) STRICT;');
    future.prepare("INSERT INTO settings VALUES ('theme', '\"light\"', '2030-01-01T00:00:00.000Z')").run();
    future.pragma('user_version = 5');
    future.close();

    const db = open(file);
    let thrown: unknown;
    try {
      migrate(db, loadMigrations(folder('v1', { '0001_settings.sql': settingsSql })));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(MigrationError);
    expect((thrown as Error).message).toMatch(
      /schema version 5 is newer than this console understands \(1\)/,
    );
    expect(userVersion(db)).toBe(5);
    expect(tableNames(db)).toEqual(['from_the_future', 'settings']);
    expect(db.prepare('SELECT key, value, updated_at FROM settings').all()).toEqual([
      { key: 'theme', value: '"light"', updated_at: '2030-01-01T00:00:00.000Z' },
    ]);
  });
});
