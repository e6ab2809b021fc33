import { Aedes } from 'aedes';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAccessToken, type Permission } from '../../../src-main/core/nice/accessToken';
import { CommandIdSequence } from '../../../src-main/core/nice/cmf';
import { managementPath } from '../../../src-main/core/nice/destinationId';
import { generateEndpointKeyPair, type EndpointKeyPair } from '../../../src-main/core/nice/endpointKeys';
import { NiceEndpoint, type CallResult } from '../../../src-main/core/nice/niceEndpoint';
import { issuedTokenCheck } from '../../../src-main/core/nice/tokenCheck';
import {
  startAccountService,
  type AccountService,
  type AccountServiceOptions,
} from '../../../src-main/embedded/accountService/accountService';
import { MqttEndpointLink } from '../../../src-main/services/nice/mqttEndpointLink';
import { generateTestCertificates } from '../../support/testCertificates';
import { postGetManagementEndPoint, TestDevice } from '../../support/testDevice';

const accounts = {
  service: { username: 'account-service', password: randomUUID() },
  devices: { username: 'devices', password: randomUUID() },
  console: { username: 'console', password: randomUUID() },
};

let dir: string;
let aedes: Aedes;
let brokerServer: Server;
let brokerUrl: string;
let ca: string;
let cert: string;
let key: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nice-as-'));
  const pki = generateTestCertificates(join(dir, 'pki'));
  ca = readFileSync(pki.caCert, 'utf8');
  cert = readFileSync(pki.serverCert, 'utf8');
  key = readFileSync(pki.serverKey, 'utf8');
  aedes = await Aedes.createBroker({
    authenticate: (_client, username, password, done) => {
      const ok = Object.values(accounts).some(
        (account) => account.username === username && account.password === password?.toString(),
      );
      done(null, ok);
    },
  });
  brokerServer = createServer(aedes.handle);
  await new Promise<void>((done) => brokerServer.listen(0, '127.0.0.1', done));
  const address = brokerServer.address();
  brokerUrl = `mqtt://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await new Promise<void>((done) => aedes.close(() => done()));
  await new Promise<void>((done) => brokerServer.close(() => done()));
  rmSync(dir, { recursive: true, force: true });
});

function serviceOptions(
  databaseFile: string,
  overrides: Partial<AccountServiceOptions> = {},
): AccountServiceOptions {
  return {
    databaseFile,
    brokerUrl,
    brokerUsername: accounts.service.username,
    brokerPassword: accounts.service.password,
    deviceBroker: { url: brokerUrl, ...accounts.devices },
    https: { host: '127.0.0.1', cert, key },
    timing: { callTimeoutMs: 300, retryWindowMs: 6_000 },
    ...overrides,
  };
}

async function startService(databaseFile: string, overrides: Partial<AccountServiceOptions> = {}) {
  const service = await startAccountService(serviceOptions(databaseFile, overrides));
  cleanups.push(() => service.close());
  return service;
}

async function startDevice(
  service: AccountService,
  options: Partial<Parameters<typeof TestDevice.start>[0]> = {},
) {
  const device = await TestDevice.start({ bootstrapUrl: service.bootstrapUrl, ca, ...options });
  cleanups.push(() => device.close());
  return device;
}

/** The console's side: a registered app speaking NICE to the AS over the same broker. */
interface TestApp {
  id: string;
  keys: EndpointKeyPair;
  call(api: string, body: unknown, accessToken: string, plain?: boolean): Promise<CallResult>;
}

async function startApp(service: () => AccountService, register = true): Promise<TestApp> {
  const keys = await generateEndpointKeyPair(randomUUID());
  const id = keys.publicJwk.kid;
  const link = await MqttEndpointLink.connect({ url: brokerUrl, ...accounts.console, clientId: `app-${id}` });
  cleanups.push(() => link.close(true));
  const ids = new CommandIdSequence();
  const endpoint = new NiceEndpoint({
    endPointId: id,
    privateJwk: keys.privateJwk,
    peerKey: (peer) => (peer === service().endPointId ? service().publicJwk : undefined),
    checkToken: issuedTokenCheck({ issuerKey: () => service().publicJwk, audience: id }),
    nextCommandId: () => ids.next(),
    transport: link,
  });
  await link.attach(endpoint);
  if (register) service().registerApp({ endPointId: id, publicJwk: keys.publicJwk, name: 'test console' });
  return {
    id,
    keys,
    call: (api, body, accessToken, plain = false) =>
      endpoint.call({
        path: managementPath(service().endPointId, api),
        body,
        accessToken,
        timeoutMs: 3_000,
        plain,
      }),
  };
}

function sessionBody(app: TestApp, deviceId: string, overrides: Record<string, unknown> = {}) {
  return {
    Version: '1.0',
    SessionID: randomUUID(),
    DeviceID: deviceId,
    NodeID: '0001',
    ControlProtocol: 'WebRTC',
    Purpose: ['Control', 'Data', 'Streaming'],
    SignalingTopic: `1/${app.id}/management/WebRTCSignaling`,
    IceServers: [{ urls: ['stun:127.0.0.1:3478'] }],
    ...overrides,
  };
}

function appToken(service: AccountService, app: TestApp, aud: string | string[] = [service.endPointId]) {
  const permissions: Permission[] = ['Management'];
  return service.issueToken({ sub: app.id, aud, permissions });
}

/** The parts of a GetManagementEndPoint reply the tests look at. */
interface BootstrapReply {
  Version: string;
  NICELAEndPoint: { AppEndPoint: unknown; NetEndPoint: { Scheme: unknown[] } };
  ManagementEndPoint: { AppEndPoint: { EndPointID: string }; NetEndPoint: unknown };
  DeviceToken: string;
}

/** A raw HTTPS request, to see status and headers the CMF client hides. */
function rawRequest(
  url: string,
  options: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      { method: options.method ?? 'POST', headers: options.headers, ca },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('the LA: GetManagementEndPoint over HTTPS', () => {
  let service: AccountService;

  beforeAll(async () => {
    service = await startService(join(dir, 'la.sqlite'), { autoBind: false });
  });

  it('records a pending device and returns the endpoints and a DeviceToken signed by the AS', async () => {
    const keys = await generateEndpointKeyPair(randomUUID());
    const deviceId = keys.publicJwk.kid;
    const exchange = await postGetManagementEndPoint(
      service.bootstrapUrl,
      ca,
      {
        Version: '1.0',
        DeviceID: deviceId,
        DeviceName: 'Gate camera',
        DeviceJWK: keys.publicJwk,
        NodeIDs: ['0001', '0002'],
      },
      { source: deviceId },
    );
    expect(exchange.status).toBe(200);
    expect(exchange.response?.EncryptionOn).toBe(false);
    const body = exchange.body as unknown as BootstrapReply;
    expect(body.Version).toBe('1.0');
    expect(body.NICELAEndPoint.AppEndPoint).toEqual({
      APIVersion: '1.0',
      EndPointID: service.endPointId,
      JWK: service.publicJwk,
    });
    expect(body.NICELAEndPoint.NetEndPoint.Scheme).toEqual([
      { Protocol: 'WebAPI', Authority: new URL(service.bootstrapUrl).origin },
    ]);
    expect(body.ManagementEndPoint.AppEndPoint.EndPointID).toBe(service.endPointId);
    expect(body.ManagementEndPoint.NetEndPoint).toEqual({
      APIVersion: '1.0',
      EndPointID: service.endPointId,
      Scheme: [
        {
          Protocol: 'MQTT',
          Authority: brokerUrl,
          ClientID: deviceId,
          Username: accounts.devices.username,
          Password: accounts.devices.password,
          QoS: 0,
        },
      ],
    });
    const claims = await verifyAccessToken(body.DeviceToken, {
      issuerPublicJwk: service.publicJwk,
      audience: service.endPointId,
    });
    expect(claims).toMatchObject({ iss: service.endPointId, sub: deviceId, aud: [service.endPointId] });
    expect(claims.Permissions).toEqual(['Management', 'Data']);
    expect(claims.exp - claims.iat).toBe(24 * 60 * 60);

    const device = service.listDevices().find((entry) => entry.deviceId === deviceId);
    expect(device).toMatchObject({ name: 'Gate camera', binding: 'pending', nodes: ['0001', '0002'] });
    expect(device?.lastSeenMs).toBeGreaterThan(Date.now() - 60_000);
    expect(service.devicePublicJwk(deviceId)).toEqual(keys.publicJwk);
  });

  it('answers malformed bodies with 400 naming the field and records nothing', async () => {
    const keys = await generateEndpointKeyPair(randomUUID());
    const deviceId = keys.publicJwk.kid;
    const other = await generateEndpointKeyPair(randomUUID());
    const valid = { Version: '1.0', DeviceID: deviceId, DeviceJWK: keys.publicJwk };
    const cases: [unknown, string][] = [
      [{ ...valid, DeviceID: 'camera-7' }, 'DeviceID: must be an EndPointID'],
      [{ Version: '1.0' }, 'DeviceID: is required'],
      [{ ...valid, DeviceJWK: 'a key' }, 'DeviceJWK: must be a JWK object'],
      [{ ...valid, DeviceJWK: other.publicJwk }, 'DeviceJWK.kid: must equal DeviceID'],
      [{ ...valid, DeviceJWK: { ...keys.publicJwk, crv: 'P-384' } }, 'DeviceJWK.crv'],
      [{ ...valid, NodeIDs: ['0001', '1'] }, 'NodeIDs.1: must be a NodeID (4 hex digits)'],
      [{ ...valid, Version: '2.0' }, 'Version: must be "1.0"'],
      [{ ...valid, Extra: true }, 'Extra: is not a member of this body'],
      ['just text', 'Payload.Body: must be a JSON object'],
    ];
    let commandId = 0;
    for (const [body, message] of cases) {
      const exchange = await postGetManagementEndPoint(service.bootstrapUrl, ca, body, {
        source: deviceId,
        commandId: commandId++,
      });
      expect(exchange.status, message).toBe(400);
      expect(exchange.response?.ReplyStatusCode).toBe(400);
      expect(
        exchange.response?.ReplyStatusMessage.startsWith(message),
        exchange.response?.ReplyStatusMessage,
      ).toBe(true);
    }
    expect(service.listDevices().some((device) => device.deviceId === deviceId)).toBe(false);
  });

  it('answers HTTP-level mistakes with v0.9 §7.3 codes, JSON and nosniff', async () => {
    const url = `${service.bootstrapUrl}/management/GetManagementEndPoint`;
    const notCmf = await rawRequest(url, {
      body: '{"hello":1}',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(notCmf.status).toBe(400);
    expect(notCmf.headers['x-content-type-options']).toBe('nosniff');
    expect(notCmf.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(notCmf.text)).toMatchObject({ StatusCode: 400, Field: 'MessageType' });
    const wrongType = await rawRequest(url, { body: 'x', headers: { 'Content-Type': 'text/plain' } });
    expect(wrongType.status).toBe(415);
    const get = await rawRequest(url, { method: 'GET' });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    const otherLa = await rawRequest(url.replace(service.endPointId, randomUUID()), {
      body: '{}',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(otherLa.status).toBe(404);
    const otherApi = await rawRequest(url.replace('GetManagementEndPoint', 'EstablishControlSession'), {
      body: '{}',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(otherApi.status).toBe(404);
    const tooLarge = await rawRequest(url, {
      body: JSON.stringify({ pad: 'x'.repeat(100_000) }),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(tooLarge.status).toBe(413);
  });

  it('leaves a device pending without auto-bind until bind(), then release() releases it', async () => {
    const device = await startDevice(service);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(device.received.filter((command) => command.api === 'SetManagementObject')).toHaveLength(0);
    expect(service.listDevices().find((entry) => entry.deviceId === device.deviceId)?.binding).toBe(
      'pending',
    );

    await service.bind(device.deviceId);
    expect(device.bound).toBe(true);
    expect(service.listDevices().find((entry) => entry.deviceId === device.deviceId)?.binding).toBe('bound');

    await service.release(device.deviceId);
    const release = await device.waitFor(
      'SetManagementObject',
      (command) => command.body.Action === 'Release',
    );
    expect(release.body).toMatchObject({
      DeviceID: device.deviceId,
      NICEAS: { NICEASID: service.endPointId },
    });
    expect(device.bound).toBe(false);
    expect(service.listDevices().find((entry) => entry.deviceId === device.deviceId)?.binding).toBe(
      'released',
    );
  });

  it('rejects bind() of a device that never asked', async () => {
    await expect(service.bind(randomUUID())).rejects.toMatchObject({ code: 'UNKNOWN_DEVICE' });
  });
});

describe('the AS: binding and control sessions over MQTT', () => {
  const databaseFile = () => join(dir, 'as.sqlite');
  let service: AccountService;
  let device: TestDevice;
  let app: TestApp;
  let changes = 0;

  beforeAll(async () => {
    service = await startService(databaseFile());
    service.onDidChange(() => changes++);
    app = await startApp(() => service);
    device = await startDevice(service, { name: 'Lobby', nodeIds: ['0001'] });
  });

  it('auto-binds: the device receives Bind with a token and a DeviceToken signed by the AS', async () => {
    const bind = await device.waitFor('SetManagementObject', (command) => command.body.Action === 'Bind');
    expect(bind.request.EncryptionOn).toBe(true);
    expect(bind.claims).toMatchObject({
      iss: service.endPointId,
      sub: service.endPointId,
      aud: device.deviceId,
    });
    expect(bind.claims?.Permissions).toEqual(['Management']);
    expect(bind.body).toMatchObject({
      Version: '1.0',
      DeviceID: device.deviceId,
      Action: 'Bind',
      NICEAS: {
        NICEASID: service.endPointId,
        NICEASName: 'NICE Console local site',
        NICEASEndPoint: { AppEndPoint: { EndPointID: service.endPointId, JWK: service.publicJwk } },
        RevokedJSONTokenIDs: [],
      },
    });
    const deviceToken = await verifyAccessToken(String(bind.body.DeviceToken), {
      issuerPublicJwk: service.publicJwk,
      audience: service.endPointId,
    });
    expect(deviceToken.sub).toBe(device.deviceId);
    await expect
      .poll(() => service.listDevices().find((entry) => entry.deviceId === device.deviceId)?.binding)
      .toBe('bound');
    expect(device.bound).toBe(true);
    expect(changes).toBeGreaterThan(0);
  });

  it('establishes a session: Pending, then SetControlObject Open with every member to the device', async () => {
    const body = sessionBody(app, device.deviceId);
    const result = await app.call('EstablishControlSession', body, await appToken(service, app));
    expect(result.response.ReplyStatusCode).toBe(200);
    expect(result.response.EncryptionOn).toBe(true);
    expect(result.body).toEqual({ Version: '1.0', SessionID: body.SessionID, Status: 'Pending' });

    const open = await device.waitFor(
      'SetControlObject',
      (command) => (command.body.ControlSession as { SessionID?: string }).SessionID === body.SessionID,
    );
    const controlSession = open.body.ControlSession as Record<string, unknown>;
    expect(controlSession).toEqual({
      SessionID: body.SessionID,
      PeerEndPointID: app.id,
      PeerJWK: app.keys.publicJwk,
      SignalingTopic: `1/${app.id}/management/WebRTCSignaling`,
      LocalSignalingTopic: `1/${device.deviceId}/management/WebRTCSignaling`,
      IceServers: [{ urls: ['stun:127.0.0.1:3478'] }],
      Purpose: ['Control', 'Data', 'Streaming'],
      Action: 'Open',
      ExpiresAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
    });
    const expiresIn = Date.parse(String(controlSession.ExpiresAt)) - Date.now();
    expect(expiresIn).toBeGreaterThan(55 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(60 * 60_000);
    const peerToken = await verifyAccessToken(String(open.body.AccessToken), {
      issuerPublicJwk: service.publicJwk,
      audience: device.deviceId,
    });
    expect(peerToken).toMatchObject({
      iss: service.endPointId,
      sub: app.id,
      aud: device.deviceId,
      NodeIDs: ['0001'],
    });
    expect([...peerToken.Permissions].sort()).toEqual(['Control', 'Management', 'Streaming']);
    await expect
      .poll(() => service.listSessions().find((session) => session.sessionId === body.SessionID)?.state)
      .toBe('opening');
  });

  it('refuses an unknown device with 404, another audience with 403 and an unregistered app with 403', async () => {
    const unknown = await app.call(
      'EstablishControlSession',
      sessionBody(app, randomUUID()),
      await appToken(service, app),
    );
    expect(unknown.response.ReplyStatusCode).toBe(404);
    expect(unknown.response.ReplyStatusMessage).toMatch(/^DeviceID: /);

    const wrongAudience = await app.call(
      'EstablishControlSession',
      sessionBody(app, device.deviceId),
      await appToken(service, app, device.deviceId),
    );
    expect(wrongAudience.response.ReplyStatusCode).toBe(403);
    expect(wrongAudience.response.ReplyStatusMessage).toMatch(/audience/);

    const stranger = await startApp(() => service, false);
    const unregistered = await stranger.call(
      'EstablishControlSession',
      sessionBody(stranger, device.deviceId),
      await appToken(service, stranger),
      true,
    );
    expect(unregistered.response.ReplyStatusCode).toBe(403);
    // Encrypted, it cannot be answered encrypted (the AS has no key of an unregistered app), so
    // it is refused before it runs (issue 18 item 6), with the profile's empty error Body.
    const encrypted = await stranger.call(
      'EstablishControlSession',
      sessionBody(stranger, device.deviceId),
      await appToken(service, stranger),
    );
    expect(encrypted.response.ReplyStatusCode).toBe(406);
    expect(encrypted.response.Payload.Body).toBe('');
    expect(service.listSessions().some((session) => session.appId === stranger.id)).toBe(false);
  });

  it('answers malformed session bodies with 400 naming the field', async () => {
    const token = await appToken(service, app);
    const cases: [Record<string, unknown>, string][] = [
      [{ Purpose: ['Dance'] }, 'Purpose.0: must be one of Control, Data, Streaming'],
      [{ DeviceID: 'lobby' }, 'DeviceID: must be an EndPointID'],
      [{ NodeID: 'node1' }, 'NodeID: must be a NodeID (4 hex digits)'],
      [{ ControlProtocol: 'SIP' }, 'ControlProtocol: must be "WebRTC"'],
      [
        { SignalingTopic: `1/${device.deviceId}/management/WebRTCSignaling` },
        `SignalingTopic: must be 1/${app.id}/management/WebRTCSignaling`,
      ],
      [{ SessionID: undefined }, 'SessionID: is required'],
    ];
    for (const [overrides, message] of cases) {
      const result = await app.call(
        'EstablishControlSession',
        sessionBody(app, device.deviceId, overrides),
        token,
      );
      expect(result.response.ReplyStatusCode, message).toBe(400);
      expect(result.response.ReplyStatusMessage).toBe(message);
    }
  });

  it('closes a session from the app: acknowledged, and the device receives Close', async () => {
    const body = sessionBody(app, device.deviceId);
    const token = await appToken(service, app);
    await app.call('EstablishControlSession', body, token);
    const closed = await app.call(
      'CloseControlSession',
      { Version: '1.0', SessionID: body.SessionID, Reason: 'operator' },
      token,
    );
    expect(closed.response.ReplyStatusCode).toBe(200);
    expect(closed.body).toEqual({ Version: '1.0', Result: 'OK' });
    const close = await device.waitFor(
      'SetControlObject',
      (command) =>
        (command.body.ControlSession as { Action?: string; SessionID?: string }).SessionID ===
          body.SessionID && (command.body.ControlSession as { Action?: string }).Action === 'Close',
    );
    expect(close.body).toEqual({
      Version: '1.0',
      DeviceID: device.deviceId,
      ControlSession: { SessionID: body.SessionID, Action: 'Close' },
    });
    const session = service.listSessions().find((entry) => entry.sessionId === body.SessionID);
    expect(session).toMatchObject({
      state: 'closed',
      reason: 'operator',
      appId: app.id,
      deviceId: device.deviceId,
    });
    expect(session?.closedAtMs).not.toBeNull();

    const unknown = await app.call('CloseControlSession', { Version: '1.0', SessionID: randomUUID() }, token);
    expect(unknown.response.ReplyStatusCode).toBe(404);
  });

  it('closes a session from the device with its DeviceToken, without echoing Close back', async () => {
    const body = sessionBody(app, device.deviceId);
    await app.call('EstablishControlSession', body, await appToken(service, app));
    await device.waitFor(
      'SetControlObject',
      (command) => (command.body.ControlSession as { SessionID?: string }).SessionID === body.SessionID,
    );
    const closed = await device.callAccountService('CloseControlSession', {
      Version: '1.0',
      SessionID: body.SessionID,
      Reason: 'bye',
    });
    expect(closed.response.ReplyStatusCode).toBe(200);
    await expect
      .poll(() => service.listSessions().find((entry) => entry.sessionId === body.SessionID)?.state)
      .toBe('closed');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const forSession = device.received.filter(
      (command) =>
        (command.body.ControlSession as { SessionID?: string } | undefined)?.SessionID === body.SessionID,
    );
    expect(forSession.map((command) => (command.body.ControlSession as { Action: string }).Action)).toEqual([
      'Open',
    ]);
  });

  it('persists revocations: a revoked token is refused, also after a restart, and goes to devices', async () => {
    const token = await appToken(service, app);
    const { jti } = await verifyAccessToken(token, { issuerPublicJwk: service.publicJwk });
    service.revokeToken(jti);
    const refused = await app.call('EstablishControlSession', sessionBody(app, device.deviceId), token);
    expect(refused.response.ReplyStatusCode).toBe(401);
    expect(refused.response.ReplyStatusMessage).toMatch(/revoked/);

    // The device restarts with the same key: it is still approved and gets Bind again, with the list.
    await device.close();
    device = await startDevice(service, { keys: device.keys, nodeIds: ['0001'], firstCommandId: 1_000 });
    const rebind = await device.waitFor('SetManagementObject', (command) => command.body.Action === 'Bind');
    expect((rebind.body.NICEAS as { RevokedJSONTokenIDs: string[] }).RevokedJSONTokenIDs).toContain(jti);
    expect(service.listDevices().find((entry) => entry.deviceId === device.deviceId)?.binding).toBe('bound');
  });

  it('keeps its identity, bound devices, apps and revocations across a restart', async () => {
    const before = { endPointId: service.endPointId, publicJwk: service.publicJwk };
    const revokedToken = await appToken(service, app);
    const { jti } = await verifyAccessToken(revokedToken, { issuerPublicJwk: service.publicJwk });
    service.revokeToken(jti);
    await service.close();

    service = await startService(databaseFile());
    expect(service.endPointId).toBe(before.endPointId);
    expect(service.publicJwk).toEqual(before.publicJwk);
    expect(service.listDevices().find((entry) => entry.deviceId === device.deviceId)).toMatchObject({
      binding: 'bound',
      name: 'Lobby',
      nodes: ['0001'],
    });
    expect(service.listSessions().length).toBeGreaterThan(0);

    const refused = await app.call(
      'EstablishControlSession',
      sessionBody(app, device.deviceId),
      revokedToken,
    );
    expect(refused.response.ReplyStatusCode).toBe(401);

    // The app registered before the restart; CommandIDs continue, so the device's replay guard
    // treats the new SetControlObject as new.
    const body = sessionBody(app, device.deviceId);
    const result = await app.call('EstablishControlSession', body, await appToken(service, app));
    expect(result.response.ReplyStatusCode).toBe(200);
    await device.waitFor(
      'SetControlObject',
      (command) => (command.body.ControlSession as { SessionID?: string }).SessionID === body.SessionID,
    );
    await expect
      .poll(() => service.listSessions().find((entry) => entry.sessionId === body.SessionID)?.state)
      .toBe('opening');
  });
});

describe('the AS with a device that stops answering', () => {
  it('marks the session failed when SetControlObject goes unanswered', async () => {
    const service = await startService(join(dir, 'quiet.sqlite'), {
      autoBind: false,
      timing: { callTimeoutMs: 200, retryWindowMs: 600 },
    });
    const app = await startApp(() => service);
    const device = await startDevice(service, { silentControl: true });
    await service.bind(device.deviceId);
    const body = sessionBody(app, device.deviceId, { NodeID: undefined });
    const result = await app.call('EstablishControlSession', body, await appToken(service, app));
    expect(result.body).toMatchObject({ Status: 'Pending' });
    await expect
      .poll(() => service.listSessions().find((entry) => entry.sessionId === body.SessionID)?.state, {
        timeout: 5_000,
      })
      .toBe('failed');
    const session = service.listSessions().find((entry) => entry.sessionId === body.SessionID);
    expect(session?.reason).toMatch(/did not take the session/);
    expect(session?.nodeId).toBeNull();
    // The device did get the request, resent with one CommandID: it just never answered.
    const opens = device.received.filter((command) => command.api === 'SetControlObject');
    expect(opens.length).toBe(3);
    expect(new Set(opens.map((command) => command.request.CommandID)).size).toBe(1);
  });
});
