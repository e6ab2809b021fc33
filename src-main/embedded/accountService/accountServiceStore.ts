import type Database from 'better-sqlite3';
import {
  parseEndpointPrivateJwk,
  parseEndpointPublicJwk,
  type EndpointPrivateJwk,
  type EndpointPublicJwk,
} from '../../core/nice/endpointKeys';
import type { SiteDevice } from '../../../src-shared/contract/localSiteContract';

/** Binding state of a device (profile "Bootstrap"). */
export type DeviceBinding = SiteDevice['binding'];

/** The account service's stored identity: one EndPointID, one P-256 key pair. */
export interface SiteIdentity {
  endPointId: string;
  publicJwk: EndpointPublicJwk;
  privateJwk: EndpointPrivateJwk;
}

/** A device as stored, with its key (null: it asked with the profile body, which carries none). */
export interface StoredDevice extends Omit<SiteDevice, 'online'> {
  publicJwk: EndpointPublicJwk | null;
}

/** An app (the console) allowed to open control sessions. */
export interface StoredApp {
  appId: string;
  name: string | null;
  publicJwk: EndpointPublicJwk;
}

/** Lifecycle of a control session as the account service sees it. */
export type ControlSessionState = 'pending' | 'opening' | 'closed' | 'failed';

/** One control session the account service brokered. */
export interface SiteControlSession {
  sessionId: string;
  appId: string;
  deviceId: string;
  nodeId: string | null;
  purposes: string[];
  state: ControlSessionState;
  openedAtMs: number;
  expiresAtMs: number;
  closedAtMs: number | null;
  reason: string | null;
}

/** What is recorded of an issued token (never the token itself). */
export interface IssuedTokenRecord {
  jti: string;
  subject: string;
  audience: string | readonly string[];
  permissions: readonly string[];
  issuedAtMs: number;
  expiresAtMs: number;
}

interface AppRow {
  app_id: string;
  name: string | null;
  public_jwk: string;
}

function appFromRow(row: AppRow): StoredApp {
  return {
    appId: row.app_id,
    name: row.name,
    publicJwk: parseEndpointPublicJwk(JSON.parse(row.public_jwk), 'site_apps.public_jwk'),
  };
}

interface DeviceRow {
  device_id: string;
  name: string | null;
  public_jwk: string | null;
  binding: DeviceBinding;
  nodes: string;
  last_seen_ms: number | null;
}

interface SessionRow {
  session_id: string;
  app_id: string;
  device_id: string;
  node_id: string | null;
  purposes: string;
  state: ControlSessionState;
  opened_at_ms: number;
  expires_at_ms: number;
  closed_at_ms: number | null;
  reason: string | null;
}

/** CommandIDs reserved per database write. */
const COMMAND_ID_BLOCK = 1000;

/** Longest token lifetime (profile: ≤ 24 h): how long an unknown revoked jti is remembered. */
const MAX_TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000;

function toDevice(row: DeviceRow): StoredDevice {
  return {
    deviceId: row.device_id,
    name: row.name,
    binding: row.binding,
    lastSeenMs: row.last_seen_ms,
    nodes: JSON.parse(row.nodes) as string[],
    publicJwk:
      row.public_jwk === null
        ? null
        : parseEndpointPublicJwk(JSON.parse(row.public_jwk), 'site_devices.public_jwk'),
  };
}

function toSession(row: SessionRow): SiteControlSession {
  return {
    sessionId: row.session_id,
    appId: row.app_id,
    deviceId: row.device_id,
    nodeId: row.node_id,
    purposes: JSON.parse(row.purposes) as string[],
    state: row.state,
    openedAtMs: row.opened_at_ms,
    expiresAtMs: row.expires_at_ms,
    closedAtMs: row.closed_at_ms,
    reason: row.reason,
  };
}

/**
 * The SQL of the embedded account service: identity, devices, apps, token ids and control
 * sessions, all in its own database so they survive a restart.
 */
export class AccountServiceStore {
  private commandIdCursor = 0;
  private reservedUpTo = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {}

  /** The stored identity, if one was made. */
  identity(): SiteIdentity | undefined {
    const row = this.db
      .prepare<[], { endpoint_id: string; private_jwk: string; public_jwk: string }>(
        'SELECT endpoint_id, public_jwk, private_jwk FROM site_identity WHERE singleton = 1',
      )
      .get();
    if (!row) return undefined;
    return {
      endPointId: row.endpoint_id,
      publicJwk: parseEndpointPublicJwk(JSON.parse(row.public_jwk), 'site_identity.public_jwk'),
      privateJwk: parseEndpointPrivateJwk(JSON.parse(row.private_jwk), 'site_identity.private_jwk'),
    };
  }

  /** Stores `identity` unless one exists already, and returns the stored one. */
  saveIdentity(identity: SiteIdentity): SiteIdentity {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO site_identity (singleton, endpoint_id, public_jwk, private_jwk, created_at_ms)
         VALUES (1, ?, ?, ?, ?)`,
      )
      .run(
        identity.endPointId,
        JSON.stringify(identity.publicJwk),
        JSON.stringify(identity.privateJwk),
        this.now(),
      );
    return this.identity() ?? identity;
  }

  /** The next CommandID; reserved in blocks so IDs keep increasing across restarts. */
  nextCommandId(): number {
    if (this.commandIdCursor >= this.reservedUpTo) {
      const row = this.db
        .prepare<[], { reserved: number }>(
          'SELECT command_id_reserved AS reserved FROM site_identity WHERE singleton = 1',
        )
        .get();
      const start = row?.reserved ?? 0;
      this.db
        .prepare('UPDATE site_identity SET command_id_reserved = ? WHERE singleton = 1')
        .run(start + COMMAND_ID_BLOCK);
      this.commandIdCursor = start;
      this.reservedUpTo = start + COMMAND_ID_BLOCK;
    }
    return this.commandIdCursor++;
  }

  // Devices

  device(deviceId: string): StoredDevice | undefined {
    const row = this.db
      .prepare<[string], DeviceRow>('SELECT * FROM site_devices WHERE device_id = ?')
      .get(deviceId);
    return row ? toDevice(row) : undefined;
  }

  devices(): StoredDevice[] {
    return this.db
      .prepare<[], DeviceRow>('SELECT * FROM site_devices ORDER BY first_seen_ms, device_id')
      .all()
      .map(toDevice);
  }

  /** Records a device that asked GetManagementEndPoint, keeping its binding unless given one. */
  upsertDevice(device: {
    deviceId: string;
    name: string | null;
    publicJwk: EndpointPublicJwk | null;
    nodes: readonly string[];
    binding: DeviceBinding;
  }): void {
    const now = this.now();
    this.db
      .prepare(
        `INSERT INTO site_devices (device_id, name, public_jwk, binding, nodes, first_seen_ms, last_seen_ms)
         VALUES (@deviceId, @name, @publicJwk, @binding, @nodes, @now, @now)
         ON CONFLICT (device_id) DO UPDATE SET
           name = COALESCE(excluded.name, site_devices.name),
           public_jwk = excluded.public_jwk,
           binding = excluded.binding,
           nodes = excluded.nodes,
           last_seen_ms = excluded.last_seen_ms`,
      )
      .run({
        deviceId: device.deviceId,
        name: device.name,
        publicJwk: device.publicJwk === null ? null : JSON.stringify(device.publicJwk),
        binding: device.binding,
        nodes: JSON.stringify(device.nodes),
        now,
      });
  }

  setBinding(deviceId: string, binding: DeviceBinding): void {
    this.db
      .prepare(
        `UPDATE site_devices SET binding = ?, bound_at_ms = CASE WHEN ? = 'bound' THEN ? ELSE bound_at_ms END,
           last_seen_ms = ? WHERE device_id = ?`,
      )
      .run(binding, binding, this.now(), this.now(), deviceId);
  }

  touchDevice(deviceId: string): void {
    this.db.prepare('UPDATE site_devices SET last_seen_ms = ? WHERE device_id = ?').run(this.now(), deviceId);
  }

  // Apps

  app(appId: string): StoredApp | undefined {
    const row = this.db
      .prepare<[string], AppRow>('SELECT app_id, name, public_jwk FROM site_apps WHERE app_id = ?')
      .get(appId);
    return row ? appFromRow(row) : undefined;
  }

  /** Every registered app, oldest first (at most `limit`). */
  apps(limit = 256): StoredApp[] {
    return this.db
      .prepare<[number], AppRow>(
        'SELECT app_id, name, public_jwk FROM site_apps ORDER BY registered_at_ms, app_id LIMIT ?',
      )
      .all(limit)
      .map(appFromRow);
  }

  upsertApp(app: StoredApp): void {
    this.db
      .prepare(
        `INSERT INTO site_apps (app_id, name, public_jwk, registered_at_ms) VALUES (?, ?, ?, ?)
         ON CONFLICT (app_id) DO UPDATE SET name = excluded.name, public_jwk = excluded.public_jwk`,
      )
      .run(app.appId, app.name, JSON.stringify(app.publicJwk), this.now());
  }

  // Tokens

  recordIssuedToken(token: IssuedTokenRecord): void {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO site_issued_tokens
           (jti, subject, audience, permissions, issued_at_ms, expires_at_ms) VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(
        token.jti,
        token.subject,
        JSON.stringify(token.audience),
        JSON.stringify(token.permissions),
        token.issuedAtMs,
        token.expiresAtMs,
      );
  }

  /** Revokes a jti until the token's own expiry (24 h from now when this service did not issue it). */
  revokeToken(jti: string): void {
    const issued = this.db
      .prepare<[string], { expires_at_ms: number }>(
        'SELECT expires_at_ms FROM site_issued_tokens WHERE jti = ?',
      )
      .get(jti);
    const now = this.now();
    this.db
      .prepare(
        `INSERT INTO site_revoked_tokens (jti, revoked_at_ms, expires_at_ms) VALUES (?, ?, ?)
         ON CONFLICT (jti) DO NOTHING`,
      )
      .run(jti, now, issued?.expires_at_ms ?? now + MAX_TOKEN_LIFETIME_MS);
  }

  isRevoked(jti: string): boolean {
    return (
      this.db
        .prepare<[string], { one: number }>('SELECT 1 AS one FROM site_revoked_tokens WHERE jti = ?')
        .get(jti) !== undefined
    );
  }

  /** Revoked ids of tokens that have not expired yet (what devices must still refuse). */
  revokedTokenIds(): string[] {
    return this.db
      .prepare<[number], { jti: string }>(
        'SELECT jti FROM site_revoked_tokens WHERE expires_at_ms > ? ORDER BY revoked_at_ms, jti',
      )
      .all(this.now())
      .map((row) => row.jti);
  }

  /** Forgets token ids whose tokens have expired: nothing can present them any more. */
  pruneExpiredTokens(): void {
    const now = this.now();
    this.db.prepare('DELETE FROM site_issued_tokens WHERE expires_at_ms <= ?').run(now);
    this.db.prepare('DELETE FROM site_revoked_tokens WHERE expires_at_ms <= ?').run(now);
  }

  // Control sessions

  session(sessionId: string): SiteControlSession | undefined {
    const row = this.db
      .prepare<[string], SessionRow>('SELECT * FROM site_control_sessions WHERE session_id = ?')
      .get(sessionId);
    return row ? toSession(row) : undefined;
  }

  sessions(): SiteControlSession[] {
    return this.db
      .prepare<[], SessionRow>('SELECT * FROM site_control_sessions ORDER BY opened_at_ms, session_id')
      .all()
      .map(toSession);
  }

  /** Sessions of a device that are not over yet. */
  liveSessionsOf(deviceId: string): SiteControlSession[] {
    return this.db
      .prepare<[string], SessionRow>(
        `SELECT * FROM site_control_sessions WHERE device_id = ? AND state IN ('pending', 'opening')`,
      )
      .all(deviceId)
      .map(toSession);
  }

  insertSession(session: Omit<SiteControlSession, 'closedAtMs' | 'reason' | 'state'>): void {
    this.db
      .prepare(
        `INSERT INTO site_control_sessions
           (session_id, app_id, device_id, node_id, purposes, state, opened_at_ms, expires_at_ms)
         VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)`,
      )
      .run(
        session.sessionId,
        session.appId,
        session.deviceId,
        session.nodeId,
        JSON.stringify(session.purposes),
        session.openedAtMs,
        session.expiresAtMs,
      );
  }

  /** Closes sessions whose grant (ExpiresAt) has passed; returns how many. */
  expireSessions(): number {
    return this.db
      .prepare(
        `UPDATE site_control_sessions SET state = 'closed', closed_at_ms = ?, reason = 'expired'
         WHERE state IN ('pending', 'opening') AND expires_at_ms <= ?`,
      )
      .run(this.now(), this.now()).changes;
  }

  /** Moves a session from one of `from` to `to`; false when it was in another state. */
  transitionSession(
    sessionId: string,
    from: readonly ControlSessionState[],
    to: ControlSessionState,
    reason: string | null = null,
  ): boolean {
    const ended = to === 'closed' || to === 'failed' ? this.now() : null;
    const placeholders = from.map(() => '?').join(', ');
    const result = this.db
      .prepare(
        `UPDATE site_control_sessions SET state = ?, closed_at_ms = COALESCE(?, closed_at_ms),
           reason = COALESCE(?, reason) WHERE session_id = ? AND state IN (${placeholders})`,
      )
      .run(to, ended, reason, sessionId, ...from);
    return result.changes > 0;
  }
}
