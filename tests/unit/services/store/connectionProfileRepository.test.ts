import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProfileValidationError } from '../../../../src-main/services/mqtt/connectionProfile';
import { FileKeyCipher } from '../../../../src-main/services/secrets/fileKeyCipher';
import { SecretCipherError, type SecretCipher } from '../../../../src-main/services/secrets/secretCipher';
import {
  ConnectionProfileRepository,
  ProfileNotFoundError,
} from '../../../../src-main/services/store/connectionProfileRepository';
import { openDatabase } from '../../../../src-main/services/store/database';
import { loadMigrations, migrate } from '../../../../src-main/services/store/migrations';
import { FakeSecretCipher } from '../../../support/fakeSecretCipher';

const migrations = loadMigrations(
  resolve(dirname(fileURLToPath(import.meta.url)), '../../../../resources/migrations'),
);
const password = 'correct horse battery staple';

let tmp: string;
let db: Database.Database;
let clock: Date;
let ids: number;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'nice-profiles-'));
  db = openDatabase(':memory:', migrations).db;
  clock = new Date('2026-01-02T03:04:05.000Z');
  ids = 0;
});
afterEach(() => {
  db.close();
  rmSync(tmp, { recursive: true, force: true });
});

function repository(cipher: SecretCipher = FileKeyCipher.inDataDir(tmp)): ConnectionProfileRepository {
  return new ConnectionProfileRepository(db, cipher, { now: () => clock, newId: () => `profile-${++ids}` });
}

function rawRow(id: string): Record<string, unknown> {
  return db.prepare('SELECT * FROM connection_profiles WHERE id = ?').get(id) as Record<string, unknown>;
}

describe('ConnectionProfileRepository', () => {
  it('stores only ciphertext for the password and never returns it', async () => {
    const profiles = repository();
    const created = await profiles.create({
      name: 'Site A',
      url: 'mqtts://broker.example:8883',
      username: 'operator',
      password,
      tls: { caFile: '/etc/nice/ca.pem', rejectUnauthorized: true },
    });
    expect(created).toEqual({
      id: 'profile-1',
      name: 'Site A',
      url: 'mqtts://broker.example:8883',
      clientId: '',
      keepalive: 60,
      protocolVersion: 5,
      cleanSession: true,
      username: 'operator',
      hasPassword: true,
      tls: { caFile: '/etc/nice/ca.pem', rejectUnauthorized: true },
      allowPlainBodies: false,
      createdAt: '2026-01-02T03:04:05.000Z',
      updatedAt: '2026-01-02T03:04:05.000Z',
    });
    expect(JSON.stringify(profiles.list())).not.toContain(password);

    const row = rawRow(created.id);
    expect(row.password_ciphertext).toBeInstanceOf(Buffer);
    const stored = row.password_ciphertext as Buffer;
    expect(stored.includes(Buffer.from(password))).toBe(false);
    expect(JSON.stringify(Object.values(row).map(String))).not.toContain(password);
    // Nothing else in the database file holds it either.
    const dump = db
      .prepare('SELECT * FROM connection_profiles')
      .raw()
      .all()
      .flat()
      .map((value) => (Buffer.isBuffer(value) ? value.toString('latin1') : String(value)))
      .join('|');
    expect(dump).not.toContain(password);
    expect(await profiles.readPassword(created.id)).toBe(password);
  });

  it('updates members, replaces and clears the password, and validates the merged profile', async () => {
    const profiles = repository(new FakeSecretCipher());
    const { id } = await profiles.create({ name: 'Site A', url: 'mqtt://h', username: 'u', password: 'one' });
    const before = rawRow(id).password_ciphertext as Buffer;

    clock = new Date('2026-01-03T00:00:00.000Z');
    const renamed = await profiles.update(id, { name: 'Site B', keepalive: 30 });
    expect(renamed).toMatchObject({ name: 'Site B', keepalive: 30, hasPassword: true, username: 'u' });
    expect(renamed.updatedAt).toBe('2026-01-03T00:00:00.000Z');
    expect(renamed.createdAt).toBe('2026-01-02T03:04:05.000Z');
    expect((rawRow(id).password_ciphertext as Buffer).equals(before)).toBe(true);

    await profiles.update(id, { password: 'two' });
    expect(await profiles.readPassword(id)).toBe('two');
    await expect(profiles.update(id, { username: null })).rejects.toThrow(/^username: /);
    const cleared = await profiles.update(id, { password: null, username: null });
    expect(cleared.hasPassword).toBe(false);
    expect(cleared.username).toBeUndefined();
    expect(rawRow(id).password_ciphertext).toBeNull();

    await expect(
      profiles.update(id, { tls: { caFile: '/ca.pem', rejectUnauthorized: true } }),
    ).rejects.toThrow('tls.caFile: applies only to mqtts:// and wss:// URLs');
    const secure = await profiles.update(id, {
      url: 'wss://h/mqtt',
      tls: { caFile: '/ca.pem', rejectUnauthorized: false },
    });
    expect(secure.tls).toEqual({ caFile: '/ca.pem', rejectUnauthorized: false });
    await expect(profiles.update('missing', { name: 'x' })).rejects.toBeInstanceOf(ProfileNotFoundError);
  });

  it('refuses a duplicate name (case-insensitive) naming the field', async () => {
    const profiles = repository(new FakeSecretCipher());
    await profiles.create({ name: 'Site A', url: 'mqtt://h' });
    const error = await profiles
      .create({ name: 'site a', url: 'mqtt://h' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProfileValidationError);
    expect(error).toMatchObject({ field: 'name' });
  });

  it('refuses to store a password when the cipher is unavailable, and stores nothing', async () => {
    const cipher = new FakeSecretCipher();
    cipher.available = false;
    const profiles = repository(cipher);
    const error = await profiles
      .create({ name: 'a', url: 'mqtt://h', username: 'u', password })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SecretCipherError);
    expect(error).toMatchObject({ code: 'UNAVAILABLE' });
    expect((error as Error).message).not.toContain(password);
    expect(profiles.list()).toEqual([]);
    // Profiles without a password still work.
    expect((await profiles.create({ name: 'a', url: 'mqtt://h' })).hasPassword).toBe(false);
  });

  it('lists by name and deletes', async () => {
    const profiles = repository(new FakeSecretCipher());
    const b = await profiles.create({ name: 'b', url: 'mqtt://h' });
    await profiles.create({ name: 'A', url: 'mqtt://h' });
    expect(profiles.list().map((profile) => profile.name)).toEqual(['A', 'b']);
    expect(profiles.delete(b.id)).toBe(true);
    expect(profiles.delete(b.id)).toBe(false);
    expect(profiles.get(b.id)).toBeUndefined();
  });
});

describe('migration 0002_connection_profiles', () => {
  it('upgrades a version 1 database and keeps its settings', () => {
    const upgraded = new Database(':memory:');
    expect(migrate(upgraded, migrations.slice(0, 1))).toBe(1);
    upgraded.prepare("INSERT INTO settings VALUES ('theme', '\"light\"', '2024-01-01T00:00:00.000Z')").run();
    expect(migrate(upgraded, migrations)).toBe(migrations.length);
    expect(upgraded.prepare('SELECT key, value FROM settings').all()).toEqual([
      { key: 'theme', value: '"light"' },
    ]);
    expect(upgraded.prepare('SELECT count(*) AS n FROM connection_profiles').get()).toEqual({ n: 0 });
    expect(() =>
      upgraded
        .prepare(
          `INSERT INTO connection_profiles (id, name, url, keepalive_seconds, protocol_version, clean_session,
             tls_reject_unauthorized, allow_plain_bodies, created_at, updated_at)
           VALUES ('x', 'x', 'mqtt://h', 60, 3, 1, 1, 0, 'now', 'now')`,
        )
        .run(),
    ).toThrow(/CHECK constraint failed/);
    upgraded.close();
  });
});
