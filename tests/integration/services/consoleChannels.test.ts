import { Aedes } from 'aedes';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCmfMessage } from '../../../src-main/core/nice/cmf';
import { decodeBody, encodeBody } from '../../../src-main/core/nice/cmfBody';
import { issueAccessToken, type Permission } from '../../../src-main/core/nice/accessToken';
import { generateEndpointKeyPair } from '../../../src-main/core/nice/endpointKeys';
import { createConsoleServices, type ConsoleServices } from '../../../src-main/services/consoleServices';
import type { EventChannel } from '../../../src-shared/contract/channels';
import type { Result } from '../../../src-shared/contract/result';
import { startCmfResponder, type CmfResponder } from '../../support/cmfResponder';
import { FakeSecretCipher } from '../../support/fakeSecretCipher';
import { freePort } from '../../support/freePort';

// The connection and command-console channels end to end below the renderer: contract
// dispatcher → services → MQTT hub → a real broker (aedes) → a device-side responder.
const root = resolve(import.meta.dirname, '../../..');
const context = { transport: 'web' as const, caller: 'test' };
const deviceId = randomUUID();
const silentDeviceId = randomUUID();

let aedes: Aedes;
let server: Server;
let brokerUrl: string;
let services: ConsoleServices;
let dataDir: string;
let responder: CmfResponder;
const events: Array<{ channel: EventChannel; items: readonly unknown[] }> = [];

async function call<T = Record<string, unknown>>(channel: string, payload: unknown): Promise<Result<T>> {
  return (await services.dispatcher.dispatch(channel, payload, context)) as Result<T>;
}

async function value<T = Record<string, unknown>>(channel: string, payload: unknown): Promise<T> {
  const result = await call<T>(channel, payload);
  if (!result.ok) throw new Error(`${channel} failed: ${result.error.code} ${result.error.message}`);
  return result.value;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'nice-channels-'));
  aedes = await Aedes.createBroker();
  server = createServer(aedes.handle);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  brokerUrl = `mqtt://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  services = createConsoleServices({
    shell: 'web',
    version: 'test',
    dataDir: root,
    databaseFile: join(dataDir, 'console.sqlite'),
    migrationsDir: resolve(root, 'resources', 'migrations'),
    cipher: new FakeSecretCipher(),
    connectWaitMs: 1500,
  });
  services.events.subscribe((channel, items) => events.push({ channel, items }));
  responder = await startCmfResponder(brokerUrl, deviceId, { protocolVersion: 4 });
});

afterAll(async () => {
  await responder.close();
  services.dispose();
  await new Promise<void>((done) => aedes.close(() => done()));
  await new Promise<void>((done) => server.close(() => done()));
  rmSync(dataDir, { recursive: true, force: true });
});

/**
 * A token from an account service the console does not know (the site of the responder): the
 * operator pastes it, since no account service of the console binds these devices.
 */
async function foreignToken(aud: string, permission: Permission, nodeIds?: string[]): Promise<string> {
  const issuer = await generateEndpointKeyPair(randomUUID());
  return issueAccessToken(
    {
      iss: issuer.publicJwk.kid,
      sub: randomUUID(),
      aud,
      Permissions: [permission],
      ...(nodeIds ? { NodeIDs: nodeIds } : {}),
    },
    issuer.privateJwk,
    { expiresInSec: 600 },
  );
}

/** The command audit as stored, read through a connection of its own. */
function auditRows(): Array<{
  target: string;
  command_type: string;
  status_code: number | null;
  outcome: string;
}> {
  const db = new Database(join(dataDir, 'console.sqlite'), { readonly: true });
  try {
    return db
      .prepare('SELECT target, command_type, status_code, outcome FROM command_audit ORDER BY id')
      .all() as never;
  } finally {
    db.close();
  }
}

describe('connection profile channels', () => {
  let profileId: string;

  it('refuses a bad profile naming the field', async () => {
    const result = await call('connections:createProfile', { name: 'Site A', url: 'http://broker:80' });
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    if (!result.ok) expect(result.error.message).toMatch(/url: /);
  });

  it('creates a profile, keeps the password out of every reply, and refuses a duplicate name', async () => {
    const created = await value<{ id: string; hasPassword: boolean }>('connections:createProfile', {
      name: 'Local aedes',
      url: brokerUrl,
      protocolVersion: 4,
      allowPlainBodies: true,
    });
    profileId = created.id;
    const secret = await value('connections:createProfile', {
      name: 'With password',
      url: brokerUrl,
      protocolVersion: 4,
      username: 'operator',
      password: 'correct horse battery staple',
    });
    expect(secret.hasPassword).toBe(true);
    const listed = await value<{
      profiles: Array<{ id: string }>;
      statuses: Array<{ state: { status: string } }>;
    }>('connections:listProfiles', {});
    expect(listed.profiles.map((profile) => profile.id)).toContain(profileId);
    expect(JSON.stringify(listed)).not.toContain('correct horse');
    expect(listed.statuses.every((status) => status.state.status === 'disconnected')).toBe(true);

    const duplicate = await call('connections:createProfile', { name: 'local AEDES', url: brokerUrl });
    expect(duplicate).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
  });

  it('tests a profile and leaves it disconnected', async () => {
    const tested = await value<{ ok: boolean; latencyMs: number }>('connections:testProfile', {
      id: profileId,
    });
    expect(tested.ok).toBe(true);
    expect(tested.latencyMs).toBeGreaterThanOrEqual(0);
    const listed = await value<{ statuses: Array<{ profileId: string; state: { status: string } }> }>(
      'connections:listProfiles',
      {},
    );
    expect(listed.statuses.find((status) => status.profileId === profileId)?.state.status).toBe(
      'disconnected',
    );
  });

  it('reports a broker that does not answer as a failed test', async () => {
    const dead = await value<{ id: string }>('connections:createProfile', {
      name: 'Nobody home',
      url: `mqtt://127.0.0.1:${await freePort()}`,
    });
    const tested = await value<{ ok: boolean; failure: { code: string } }>('connections:testProfile', {
      id: dead.id,
    });
    expect(tested).toMatchObject({ ok: false, failure: { code: 'NETWORK' } });
  });

  it('connects and publishes the state change as an event', async () => {
    const status = await value<{ state: { status: string } }>('connections:connectProfile', {
      id: profileId,
    });
    expect(status.state.status).toBe('connected');
    services.events.flush();
    const changes = events
      .filter((event) => event.channel === 'connections:statusChanged')
      .flatMap((event) => event.items as Array<{ profileId: string; state: { status: string } }>)
      .filter((change) => change.profileId === profileId)
      .map((change) => change.state.status);
    expect(changes).toContain('connected');
  });

  describe('command console', () => {
    it('sends a plain command and shows both messages with the decoded reply', async () => {
      const accessToken = await foreignToken(deviceId, 'Management');
      const reply = await value<{
        replyStatusCode: number;
        body: unknown;
        attempts: number;
        request: { topic: string; text: string };
        response: { topic: string };
      }>('commands:sendCommand', {
        profileId,
        targetEndPointId: deviceId,
        interface: 'management',
        api: 'GetDeviceStatus',
        body: { Version: '1.0', DeviceID: deviceId },
        accessToken,
      });
      expect(reply.replyStatusCode).toBe(200);
      expect(reply.body).toEqual({ Version: '1.0', Result: 'OK' });
      expect(reply.attempts).toBe(1);
      expect(reply.request.topic).toBe(`1/${deviceId}/management/GetDeviceStatus`);
      const sent = parseCmfMessage(reply.request.text);
      expect(sent).toMatchObject({
        MessageType: 'request',
        DestinationEndPointID: deviceId,
        EncryptionOn: false,
        AccessToken: accessToken,
      });
      const { endPointId } = await services.identity.identity();
      expect(reply.response.topic).toBe(`1/${endPointId}/management/GetDeviceStatus`);
      expect(responder.received.at(-1)?.request.CommandType).toBe(`1/${deviceId}/management/GetDeviceStatus`);
      expect(auditRows().at(-1)).toEqual({
        target: deviceId,
        command_type: `1/${deviceId}/management/GetDeviceStatus`,
        status_code: 200,
        outcome: 'ok',
      });
    });

    it('encrypts the body to the recipient and opens the encrypted reply', async () => {
      const device = await generateEndpointKeyPair(deviceId);
      const consoleIdentity = await services.identity.identity();
      const encryptedReply = await encodeBody(
        { Version: '1.0', NodeID: '0001', Streaming: false },
        { encrypt: { recipientPublicJwk: consoleIdentity.publicJwk, kid: consoleIdentity.endPointId } },
      );
      responder.decide = () => ({ body: encryptedReply, encryptionOn: true });
      try {
        const reply = await value<{ encrypted: boolean; body: unknown }>('commands:sendCommand', {
          profileId,
          targetEndPointId: deviceId,
          interface: 'control',
          nodeId: '0001',
          api: 'GetStatus',
          body: { Version: '1.0', NodeID: '0001' },
          recipientJwk: device.publicJwk,
          accessToken: await foreignToken(deviceId, 'Control', ['0001']),
        });
        expect(reply).toMatchObject({
          encrypted: true,
          body: { Version: '1.0', NodeID: '0001', Streaming: false },
        });
        const received = responder.received.at(-1)?.request;
        expect(received?.EncryptionOn).toBe(true);
        expect(received?.CommandType).toBe(`1/${deviceId}/control/0001/GetStatus`);
        expect(await decodeBody(received?.Payload.Body ?? '', true, device.privateJwk)).toEqual({
          Version: '1.0',
          NodeID: '0001',
        });
      } finally {
        responder.decide = () => 'answer';
      }
    });

    it('times out on a device that never answers, after resending the same command', async () => {
      const result = await call('commands:sendCommand', {
        profileId,
        targetEndPointId: silentDeviceId,
        interface: 'management',
        api: 'GetDeviceStatus',
        body: { Version: '1.0' },
        accessToken: await foreignToken(silentDeviceId, 'Management'),
        timeoutMs: 600,
        resends: 1,
      });
      expect(result).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
      expect(auditRows().at(-1)).toMatchObject({
        target: silentDeviceId,
        status_code: null,
        outcome: 'TIMEOUT',
      });
    });

    it('refuses a plain body where the connection does not allow one, and an unknown profile', async () => {
      const strict = await value<{ id: string }>('connections:createProfile', {
        name: 'Encrypted only',
        url: brokerUrl,
        protocolVersion: 4,
      });
      const plain = await call('commands:sendCommand', {
        profileId: strict.id,
        targetEndPointId: deviceId,
        interface: 'management',
        api: 'GetDeviceStatus',
        body: {},
      });
      expect(plain).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
      if (!plain.ok) expect(plain.error.message).toMatch(/^recipientJwk: /);

      const missing = await call('commands:sendCommand', {
        profileId: 'no-such-profile',
        targetEndPointId: deviceId,
        interface: 'management',
        api: 'GetDeviceStatus',
        body: {},
      });
      expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    });

    it('sends no command without a token naming the target and the permission of its interface', async () => {
      const before = responder.received.length;
      const send = (api: string, accessToken?: string) =>
        call('commands:sendCommand', {
          profileId,
          targetEndPointId: deviceId,
          interface: 'control',
          nodeId: '0001',
          api,
          body: { Version: '1.0', NodeID: '0001' },
          ...(accessToken === undefined ? {} : { accessToken }),
        });
      const message = (result: Result<unknown>) => (result.ok ? '' : result.error.message);
      // No account service of this console binds the responder, so there is no token to get.
      expect(message(await send('GetStatus'))).toMatch(
        new RegExp(`^accessToken: ${deviceId} is not bound to an account service this console knows`),
      );
      expect(message(await send('GetStatus', await foreignToken(deviceId, 'Management')))).toBe(
        'accessToken: lacks the Control permission that GetStatus needs',
      );
      expect(message(await send('StartStreaming', await foreignToken(deviceId, 'Control')))).toBe(
        'accessToken: lacks the Streaming permission that StartStreaming needs',
      );
      expect(message(await send('GetStatus', await foreignToken(silentDeviceId, 'Control')))).toBe(
        `accessToken: is for another audience than ${deviceId}`,
      );
      expect(message(await send('GetStatus', await foreignToken(deviceId, 'Control', ['0002'])))).toBe(
        'accessToken: does not cover node 0001',
      );
      expect(message(await send('GetStatus', 'not-a-jwt'))).toBe('accessToken: is not a JWT');
      expect(responder.received.length).toBe(before);
    });

    it('refuses a control command without a NodeID', async () => {
      const result = await call('commands:sendCommand', {
        profileId,
        targetEndPointId: deviceId,
        interface: 'control',
        api: 'GetStatus',
        body: {},
      });
      expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
      if (!result.ok) expect(result.error.message).toContain('nodeId');
    });
  });

  it('disconnects and deletes a profile', async () => {
    expect(
      await value<{ state: { status: string } }>('connections:disconnectProfile', { id: profileId }),
    ).toMatchObject({
      state: { status: 'disconnected' },
    });
    expect(await value('connections:deleteProfile', { id: profileId })).toEqual({
      id: profileId,
      deleted: true,
    });
    expect(await call('connections:connectProfile', { id: profileId })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
  });
});
