import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateEndpointKeyPair } from '../../../src-main/core/nice/endpointKeys';
import { defaultSiteMigrationsDir } from '../../../src-main/embedded/accountService/accountService';
import { AccountServiceStore } from '../../../src-main/embedded/accountService/accountServiceStore';
import { openDatabase, type OpenDatabase } from '../../../src-main/services/store/database';
import { loadMigrations } from '../../../src-main/services/store/migrations';

const migrations = loadMigrations(defaultSiteMigrationsDir());
let dir: string;
let file: string;
let opened: OpenDatabase[] = [];
let clock = 1_700_000_000_000;

function open(): AccountServiceStore {
  const database = openDatabase(file, migrations);
  opened.push(database);
  return new AccountServiceStore(database.db, () => clock);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nice-as-store-'));
  file = join(dir, 'site.sqlite');
});

afterEach(() => {
  for (const database of opened) database.db.close();
  opened = [];
  rmSync(dir, { recursive: true, force: true });
});

describe('AccountServiceStore', () => {
  it('keeps the first identity and continues CommandIDs after a reopen', async () => {
    const store = open();
    expect(store.identity()).toBeUndefined();
    const id = randomUUID();
    const first = store.saveIdentity({ endPointId: id, ...(await generateEndpointKeyPair(id)) });
    const otherId = randomUUID();
    expect(store.saveIdentity({ endPointId: otherId, ...(await generateEndpointKeyPair(otherId)) })).toEqual(
      first,
    );
    expect([store.nextCommandId(), store.nextCommandId()]).toEqual([0, 1]);
    opened.shift()?.db.close();

    const reopened = open();
    expect(reopened.identity()).toEqual(first);
    expect(reopened.nextCommandId()).toBeGreaterThan(1);
  });

  it('updates a device without losing its name, and moves sessions only from the states given', async () => {
    const store = open();
    const deviceId = randomUUID();
    const appId = randomUUID();
    const deviceKeys = await generateEndpointKeyPair(deviceId);
    const appKeys = await generateEndpointKeyPair(appId);
    store.upsertDevice({
      deviceId,
      name: 'Dock',
      publicJwk: deviceKeys.publicJwk,
      nodes: ['0001'],
      binding: 'pending',
    });
    store.upsertDevice({
      deviceId,
      name: null,
      publicJwk: deviceKeys.publicJwk,
      nodes: [],
      binding: 'bound',
    });
    expect(store.devices()).toEqual([
      {
        deviceId,
        name: 'Dock',
        binding: 'bound',
        lastSeenMs: clock,
        nodes: [],
        publicJwk: deviceKeys.publicJwk,
      },
    ]);
    store.upsertApp({ appId, name: null, publicJwk: appKeys.publicJwk });
    const sessionId = randomUUID();
    store.insertSession({
      sessionId,
      appId,
      deviceId,
      nodeId: '0001',
      purposes: ['Control'],
      openedAtMs: clock,
      expiresAtMs: clock + 3_600_000,
    });
    expect(store.liveSessionsOf(deviceId).map((session) => session.sessionId)).toEqual([sessionId]);
    expect(store.transitionSession(sessionId, ['pending'], 'closed', 'done')).toBe(true);
    expect(store.transitionSession(sessionId, ['pending'], 'opening')).toBe(false);
    expect(store.session(sessionId)).toMatchObject({ state: 'closed', reason: 'done', closedAtMs: clock });
    expect(store.liveSessionsOf(deviceId)).toEqual([]);

    const lapsed = randomUUID();
    store.insertSession({
      sessionId: lapsed,
      appId,
      deviceId,
      nodeId: null,
      purposes: ['Control'],
      openedAtMs: clock,
      expiresAtMs: clock + 1_000,
    });
    expect(store.expireSessions()).toBe(0);
    clock += 1_000;
    expect(store.expireSessions()).toBe(1);
    expect(store.session(lapsed)).toMatchObject({ state: 'closed', reason: 'expired' });
  });

  it('remembers revoked ids until the token would have expired', () => {
    const store = open();
    store.recordIssuedToken({
      jti: 'short',
      subject: randomUUID(),
      audience: [randomUUID()],
      permissions: ['Management'],
      issuedAtMs: clock,
      expiresAtMs: clock + 60_000,
    });
    store.revokeToken('short');
    store.revokeToken('unknown');
    expect(store.revokedTokenIds()).toEqual(['short', 'unknown']);
    clock += 120_000;
    expect(store.revokedTokenIds()).toEqual(['unknown']);
    expect(store.isRevoked('short')).toBe(true);
    store.pruneExpiredTokens();
    expect(store.isRevoked('short')).toBe(false);
    expect(store.isRevoked('unknown')).toBe(true);
    clock += 24 * 60 * 60 * 1000;
    expect(store.revokedTokenIds()).toEqual([]);
  });
});
