import type Database from 'better-sqlite3';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultSettings, type Settings } from '../../../../src-shared/contract/settingsContract';
import { DiagnosticLog } from '../../../../src-main/services/diagnostics/diagnosticLog';
import { SettingsService } from '../../../../src-main/services/settings/settingsService';
import { openDatabase } from '../../../../src-main/services/store/database';
import { loadMigrations } from '../../../../src-main/services/store/migrations';
import { SettingsRepository } from '../../../../src-main/services/store/settingsRepository';

const migrations = loadMigrations(
  resolve(dirname(fileURLToPath(import.meta.url)), '../../../../resources/migrations'),
);
const fixedNow = new Date('2024-05-06T07:08:09.000Z');

let db: Database.Database;

beforeEach(() => {
  db = openDatabase(':memory:', migrations).db;
});
afterEach(() => {
  db.close();
});

function makeService() {
  const log = new DiagnosticLog({ minLevel: 'debug' });
  const service = new SettingsService(new SettingsRepository(db), log, () => fixedNow);
  return { service, log };
}

function rows(): { key: string; value: string; updated_at: string }[] {
  return db.prepare('SELECT key, value, updated_at FROM settings ORDER BY key').all() as {
    key: string;
    value: string;
    updated_at: string;
  }[];
}

function insertRaw(key: string, value: string, updatedAt = '2020-01-01T00:00:00.000Z'): void {
  db.prepare('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)').run(key, value, updatedAt);
}

describe('SettingsService', () => {
  it('starts from the defaults on an empty database and writes nothing', () => {
    const { service, log } = makeService();
    expect(service.get()).toEqual(defaultSettings);
    expect(rows()).toEqual([]);
    expect(log.list(100, 'warn').entries).toEqual([]);
  });

  it('persists an update so a new service on the same database sees it', () => {
    const { service } = makeService();
    expect(service.update({ theme: 'light', timeDisplay: 'utc' })).toEqual({
      ...defaultSettings,
      theme: 'light',
      timeDisplay: 'utc',
    });
    expect(rows()).toEqual([
      { key: 'theme', value: '"light"', updated_at: fixedNow.toISOString() },
      { key: 'timeDisplay', value: '"utc"', updated_at: fixedNow.toISOString() },
    ]);

    const { service: reloaded } = makeService();
    expect(reloaded.get()).toEqual({ ...defaultSettings, theme: 'light', timeDisplay: 'utc' });
  });

  it('writes only the keys of the patch', () => {
    const { service } = makeService();
    service.update({ diagnosticsLevel: 'warn' });
    expect(rows().map((row) => row.key)).toEqual(['diagnosticsLevel']);
  });

  it('returns copies, so a caller cannot change the settings in force', () => {
    const { service } = makeService();
    const copy = service.get();
    copy.theme = 'light';
    expect(service.get().theme).toBe('dark');
  });

  it('tells listeners after every change, and stops after they unsubscribe', () => {
    const { service } = makeService();
    const seen: Settings[] = [];
    const subscription = service.onDidChange((settings) => seen.push(settings));
    service.update({ theme: 'light' });
    service.update({ diagnosticsLevel: 'error' });
    expect(seen).toEqual([
      { ...defaultSettings, theme: 'light' },
      { ...defaultSettings, theme: 'light', diagnosticsLevel: 'error' },
    ]);
    subscription.dispose();
    service.update({ theme: 'dark' });
    expect(seen).toHaveLength(2);
  });

  it('logs the change without leaking anything but keys and values', () => {
    const { service, log } = makeService();
    service.update({ theme: 'light' });
    expect(log.list(10).entries.map((entry) => [entry.level, entry.source, entry.message])).toEqual([
      ['info', 'settings', 'changed theme=light'],
    ]);
  });

  it('refuses an invalid patch from inside main without writing anything', () => {
    const { service } = makeService();
    const seen: Settings[] = [];
    service.onDidChange((settings) => seen.push(settings));
    // The dispatcher validates renderer requests; this guards callers inside main.
    expect(() => service.update({ theme: 'light', timeDisplay: 'martian' as never })).toThrow();
    expect(rows()).toEqual([]);
    expect(service.get()).toEqual(defaultSettings);
    expect(seen).toEqual([]);
  });

  it('uses the default for an invalid stored value, warns, and keeps the stored row untouched', () => {
    insertRaw('theme', '"purple"');
    insertRaw('timeDisplay', '"utc"');
    const { service, log } = makeService();

    expect(service.get()).toEqual({ ...defaultSettings, timeDisplay: 'utc' });
    const warnings = log.list(10, 'warn').entries;
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 'warn', source: 'settings' });
    expect(warnings[0]?.message).toContain('theme');

    service.update({ diagnosticsLevel: 'warn' });
    expect(rows()).toEqual([
      { key: 'diagnosticsLevel', value: '"warn"', updated_at: fixedNow.toISOString() },
      { key: 'theme', value: '"purple"', updated_at: '2020-01-01T00:00:00.000Z' },
      { key: 'timeDisplay', value: '"utc"', updated_at: '2020-01-01T00:00:00.000Z' },
    ]);
    expect(service.get().theme).toBe('dark');
  });

  it('treats a stored value that is not JSON like any other invalid value', () => {
    insertRaw('diagnosticsLevel', 'not json {');
    const { service, log } = makeService();
    expect(service.get()).toEqual(defaultSettings);
    expect(
      log
        .list(10, 'warn')
        .entries.map((entry) => entry.message)
        .join('\n'),
    ).toContain('diagnosticsLevel');
    expect(rows()).toEqual([
      { key: 'diagnosticsLevel', value: 'not json {', updated_at: '2020-01-01T00:00:00.000Z' },
    ]);
  });

  it('replaces an invalid stored value only when the operator sets that setting', () => {
    insertRaw('theme', '"purple"');
    const { service } = makeService();
    service.update({ theme: 'light' });
    expect(rows()).toEqual([{ key: 'theme', value: '"light"', updated_at: fixedNow.toISOString() }]);
  });

  it('preserves keys it does not know (written by another build)', () => {
    insertRaw('liveWall.columns', '4');
    insertRaw('zz_future', '{"nested":[1,2,3]}');
    const { service, log } = makeService();
    expect(service.get()).toEqual(defaultSettings);
    expect(Object.keys(service.get())).not.toContain('zz_future');
    expect(log.list(10, 'warn').entries).toEqual([]);

    service.update({ theme: 'light' });
    expect(rows()).toEqual([
      { key: 'liveWall.columns', value: '4', updated_at: '2020-01-01T00:00:00.000Z' },
      { key: 'theme', value: '"light"', updated_at: fixedNow.toISOString() },
      { key: 'zz_future', value: '{"nested":[1,2,3]}', updated_at: '2020-01-01T00:00:00.000Z' },
    ]);
  });
});
