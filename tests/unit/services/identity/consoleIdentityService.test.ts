import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeBody, encodeBody } from '../../../../src-main/core/nice/cmfBody';
import { silentLogger } from '../../../../src-main/core/util/logger';
import { ConsoleIdentityService } from '../../../../src-main/services/identity/consoleIdentityService';
import { openDatabase, type OpenDatabase } from '../../../../src-main/services/store/database';
import { loadMigrations } from '../../../../src-main/services/store/migrations';
import { FakeSecretCipher } from '../../../support/fakeSecretCipher';

const migrations = loadMigrations(
  join(resolve(import.meta.dirname, '../../../..'), 'resources', 'migrations'),
);

describe('ConsoleIdentityService', () => {
  let opened: OpenDatabase | undefined;
  afterEach(() => opened?.db.close());

  const open = (): OpenDatabase => (opened = openDatabase(':memory:', migrations));

  it('creates one identity, keeps it, and stores the private key only encrypted', async () => {
    const { db } = open();
    const cipher = new FakeSecretCipher();
    const first = await new ConsoleIdentityService(db, cipher, silentLogger).identity();
    const again = await new ConsoleIdentityService(db, cipher, silentLogger).identity();
    expect(again).toEqual(first);
    expect(first.endPointId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(first.publicJwk.kid).toBe(first.endPointId);

    const privateJwk = await new ConsoleIdentityService(db, cipher, silentLogger).privateJwk();
    const row = db.prepare('SELECT * FROM console_identity').get() as Record<string, unknown>;
    expect(Buffer.from(row.private_jwk_ciphertext as Buffer).toString('latin1')).not.toContain(privateJwk.d);
    expect(String(row.public_jwk)).not.toContain(privateJwk.d);
    expect(db.prepare('SELECT COUNT(*) AS n FROM console_identity').get()).toEqual({ n: 1 });
  });

  it('opens a body encrypted to its public key', async () => {
    const { db } = open();
    const service = new ConsoleIdentityService(db, new FakeSecretCipher(), silentLogger);
    const { publicJwk, endPointId } = await service.identity();
    const body = await encodeBody(
      { Version: '1.0', Result: 'OK' },
      { encrypt: { recipientPublicJwk: publicJwk, kid: endPointId } },
    );
    expect(await decodeBody(body, true, await service.privateJwk())).toEqual({
      Version: '1.0',
      Result: 'OK',
    });
  });

  it('never hands out a CommandID twice, even after a restart', async () => {
    const { db } = open();
    const cipher = new FakeSecretCipher();
    const before = new ConsoleIdentityService(db, cipher, silentLogger);
    const used = [await before.nextCommandId(), await before.nextCommandId(), await before.nextCommandId()];
    expect(used).toEqual([0, 1, 2]);
    const after = new ConsoleIdentityService(db, cipher, silentLogger);
    const next = await after.nextCommandId();
    expect(next).toBeGreaterThan(2);
    expect(await after.nextCommandId()).toBe(next + 1);
  });

  it('refuses to create an identity when secrets cannot be protected', async () => {
    const { db } = open();
    const cipher = new FakeSecretCipher();
    cipher.available = false;
    await expect(new ConsoleIdentityService(db, cipher, silentLogger).identity()).rejects.toThrow();
    expect(db.prepare('SELECT COUNT(*) AS n FROM console_identity').get()).toEqual({ n: 0 });
  });
});
