import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import {
  ConnectionProfileInput,
  ConnectionProfilePatch,
  ConnectionProfileSettings,
  parseProfile,
  ProfileValidationError,
  type ConnectionProfile,
} from '../mqtt/connectionProfile';
import { SecretCipherError, type SecretCipher } from '../secrets/secretCipher';

/** One row of `connection_profiles`, exactly as SQLite returns it. */
interface ConnectionProfileRow {
  id: string;
  name: string;
  url: string;
  client_id: string;
  keepalive_seconds: number;
  protocol_version: number;
  clean_session: number;
  username: string | null;
  has_password: number;
  tls_ca_file: string | null;
  tls_cert_file: string | null;
  tls_key_file: string | null;
  tls_reject_unauthorized: number;
  allow_plain_bodies: number;
  created_at: string;
  updated_at: string;
}

/** No profile has this id. */
export class ProfileNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`connection profile ${id} does not exist`);
    this.name = 'ProfileNotFoundError';
  }
}

/** What the repository needs besides the database; tests pass a fixed clock and ids. */
export interface ConnectionProfileRepositoryOptions {
  now?: () => Date;
  newId?: () => string;
}

const columns = `id, name, url, client_id, keepalive_seconds, protocol_version, clean_session, username,
  password_ciphertext IS NOT NULL AS has_password, tls_ca_file, tls_cert_file, tls_key_file,
  tls_reject_unauthorized, allow_plain_bodies, created_at, updated_at`;

/**
 * Reads and writes `connection_profiles`, the only place its SQL lives. Every write is
 * validated again here (the contract validates first), the password goes through the
 * `SecretCipher` and only its ciphertext is stored, and no read method returns it except
 * `readPassword`, which main uses when it connects.
 */
export class ConnectionProfileRepository {
  private readonly now: () => Date;
  private readonly newId: () => string;
  private readonly selectAll: Database.Statement<[], ConnectionProfileRow>;
  private readonly selectOne: Database.Statement<[string], ConnectionProfileRow>;
  private readonly selectPassword: Database.Statement<[string], { password_ciphertext: Buffer | null }>;
  private readonly deleteOne: Database.Statement<[string]>;

  constructor(
    private readonly db: Database.Database,
    private readonly cipher: SecretCipher,
    options: ConnectionProfileRepositoryOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.newId = options.newId ?? randomUUID;
    this.selectAll = db.prepare(
      `SELECT ${columns} FROM connection_profiles ORDER BY name COLLATE NOCASE, id`,
    );
    this.selectOne = db.prepare(`SELECT ${columns} FROM connection_profiles WHERE id = ?`);
    this.selectPassword = db.prepare('SELECT password_ciphertext FROM connection_profiles WHERE id = ?');
    this.deleteOne = db.prepare('DELETE FROM connection_profiles WHERE id = ?');
  }

  /** Every profile, by name. */
  list(): ConnectionProfile[] {
    return this.selectAll.all().map(toProfile);
  }

  /** One profile, or undefined. */
  get(id: string): ConnectionProfile | undefined {
    const row = this.selectOne.get(id);
    return row ? toProfile(row) : undefined;
  }

  /** Validates and stores a new profile; throws `ProfileValidationError` naming the field. */
  async create(input: ConnectionProfileInput): Promise<ConnectionProfile> {
    const { password, ...settings } = parseProfile(ConnectionProfileInput, input);
    const ciphertext = password === undefined ? null : await this.encrypt(password);
    const id = this.newId();
    const stamp = this.now().toISOString();
    this.write('insert', id, settings, ciphertext, stamp, stamp);
    return this.require(id);
  }

  /**
   * Applies a patch (absent members unchanged, `password: null` removes it) and validates the
   * merged profile as a whole, so cross-field rules hold after every change.
   */
  async update(id: string, patch: ConnectionProfilePatch): Promise<ConnectionProfile> {
    const change = parseProfile(ConnectionProfilePatch, patch);
    const ciphertext =
      change.password === undefined || change.password === null
        ? change.password
        : await this.encrypt(change.password);
    // Read after the (possibly asynchronous) encryption, so the merge sees the latest row.
    const current = this.require(id);
    const { username } = change;
    const rest = withoutUndefined({ ...change, password: undefined, username: undefined });
    const merged = parseProfile(ConnectionProfileSettings, {
      ...settingsOf(current),
      ...rest,
      username: username === undefined ? current.username : (username ?? undefined),
    });
    const hasPassword = ciphertext === undefined ? current.hasPassword : ciphertext !== null;
    if (hasPassword && merged.username === undefined) {
      throw new ProfileValidationError('username', 'is required while a password is set');
    }
    this.write('update', id, merged, ciphertext, current.createdAt, this.now().toISOString());
    return this.require(id);
  }

  /** Removes a profile with its stored password; false when there was none. */
  delete(id: string): boolean {
    return this.deleteOne.run(id).changes > 0;
  }

  /** A profile, or `ProfileNotFoundError`. */
  require(id: string): ConnectionProfile {
    const profile = this.get(id);
    if (!profile) throw new ProfileNotFoundError(id);
    return profile;
  }

  /** The decrypted password, for main to hand to the broker; never for the renderer or a log. */
  async readPassword(id: string): Promise<string | undefined> {
    const row = this.selectPassword.get(id);
    if (!row) throw new ProfileNotFoundError(id);
    if (row.password_ciphertext === null) return undefined;
    return await this.cipher.decrypt(row.password_ciphertext);
  }

  private async encrypt(password: string): Promise<Buffer> {
    if (!this.cipher.isAvailable()) {
      throw new SecretCipherError(
        'UNAVAILABLE',
        `cannot store the password: secret storage (${this.cipher.description}) is not available`,
      );
    }
    return Buffer.from(await this.cipher.encrypt(password));
  }

  /** `ciphertext` undefined keeps the stored password (update only), null clears it. */
  private write(
    mode: 'insert' | 'update',
    id: string,
    settings: ConnectionProfileSettings,
    ciphertext: Buffer | null | undefined,
    createdAt: string,
    updatedAt: string,
  ): void {
    const values = {
      id,
      name: settings.name,
      url: settings.url,
      client_id: settings.clientId,
      keepalive_seconds: settings.keepalive,
      protocol_version: settings.protocolVersion,
      clean_session: settings.cleanSession ? 1 : 0,
      username: settings.username ?? null,
      tls_ca_file: settings.tls.caFile ?? null,
      tls_cert_file: settings.tls.certFile ?? null,
      tls_key_file: settings.tls.keyFile ?? null,
      tls_reject_unauthorized: settings.tls.rejectUnauthorized ? 1 : 0,
      allow_plain_bodies: settings.allowPlainBodies ? 1 : 0,
      created_at: createdAt,
      updated_at: updatedAt,
    };
    const names = Object.keys(values);
    try {
      if (mode === 'insert') {
        this.db
          .prepare(
            `INSERT INTO connection_profiles (${[...names, 'password_ciphertext'].join(', ')})
             VALUES (${[...names, 'password_ciphertext'].map((name) => `@${name}`).join(', ')})`,
          )
          .run({ ...values, password_ciphertext: ciphertext ?? null });
      } else {
        const assignments = names.filter((name) => name !== 'id').map((name) => `${name} = @${name}`);
        if (ciphertext !== undefined) assignments.push('password_ciphertext = @password_ciphertext');
        const result = this.db
          .prepare(`UPDATE connection_profiles SET ${assignments.join(', ')} WHERE id = @id`)
          .run(ciphertext === undefined ? values : { ...values, password_ciphertext: ciphertext });
        if (result.changes === 0) throw new ProfileNotFoundError(id);
      }
    } catch (error) {
      if (
        (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' &&
        /\.name$/.test((error as Error).message)
      ) {
        throw new ProfileValidationError('name', `is already used by another profile ("${settings.name}")`);
      }
      throw error;
    }
  }
}

function toProfile(row: ConnectionProfileRow): ConnectionProfile {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    clientId: row.client_id,
    keepalive: row.keepalive_seconds,
    protocolVersion: row.protocol_version === 4 ? 4 : 5,
    cleanSession: row.clean_session === 1,
    ...(row.username === null ? {} : { username: row.username }),
    hasPassword: row.has_password === 1,
    tls: {
      ...(row.tls_ca_file === null ? {} : { caFile: row.tls_ca_file }),
      ...(row.tls_cert_file === null ? {} : { certFile: row.tls_cert_file }),
      ...(row.tls_key_file === null ? {} : { keyFile: row.tls_key_file }),
      rejectUnauthorized: row.tls_reject_unauthorized === 1,
    },
    allowPlainBodies: row.allow_plain_bodies === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function settingsOf(profile: ConnectionProfile): ConnectionProfileSettings {
  return {
    name: profile.name,
    url: profile.url,
    clientId: profile.clientId,
    keepalive: profile.keepalive,
    protocolVersion: profile.protocolVersion,
    cleanSession: profile.cleanSession,
    ...(profile.username === undefined ? {} : { username: profile.username }),
    tls: profile.tls,
    allowPlainBodies: profile.allowPlainBodies,
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}
