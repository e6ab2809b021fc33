import { Aedes } from 'aedes';
import type Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect as mqttConnect } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildCmfRequest, CommandIdSequence, type CmfRequest } from '../../../src-main/core/nice/cmf';
import { NiceProtocolError } from '../../../src-main/core/nice/niceProtocolError';
import type { ConnectionProfileInput } from '../../../src-main/services/mqtt/connectionProfile';
import type { ConnectionState } from '../../../src-main/services/mqtt/connectionState';
import { MqttConnectionError } from '../../../src-main/services/mqtt/connectionState';
import { MqttHub } from '../../../src-main/services/mqtt/mqttHub';
import { ConnectionProfileRepository } from '../../../src-main/services/store/connectionProfileRepository';
import { openDatabase } from '../../../src-main/services/store/database';
import { loadMigrations } from '../../../src-main/services/store/migrations';
import { startCmfResponder, type CmfResponder } from '../../support/cmfResponder';
import { FakeSecretCipher } from '../../support/fakeSecretCipher';
import { startMosquitto, type MosquittoBroker } from '../../support/mosquittoFixture';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const consoleId = randomUUID();
const deviceId = randomUUID();
const silentDeviceId = randomUUID();
const commandIds = new CommandIdSequence();

let broker: MosquittoBroker;
let aedes: Aedes;
let aedesServer: Server;
let aedesPort: number;
let db: Database.Database;
let repository: ConnectionProfileRepository;
let hub: MqttHub;
const responders: CmfResponder[] = [];
const states = new Map<string, ConnectionState[]>();

beforeAll(async () => {
  broker = await startMosquitto();
  aedes = await Aedes.createBroker();
  aedesServer = createServer(aedes.handle);
  await new Promise<void>((done) => aedesServer.listen(0, '127.0.0.1', done));
  const address = aedesServer.address();
  aedesPort = typeof address === 'object' && address ? address.port : 0;

  db = openDatabase(':memory:', loadMigrations(resolve(root, 'resources/migrations'))).db;
  repository = new ConnectionProfileRepository(db, new FakeSecretCipher());
  hub = new MqttHub({
    profiles: repository,
    backoff: { initialDelayMs: 100, maxDelayMs: 400 },
    connectTimeoutMs: 3_000,
  });
  hub.onDidChangeState(({ profileId, state }) => states.get(profileId)?.push(state));
  responders.push(await startCmfResponder(`mqtt://127.0.0.1:${broker.ports.plain}`, deviceId));
  responders.push(await startCmfResponder(`mqtt://127.0.0.1:${aedesPort}`, deviceId, { protocolVersion: 4 }));
}, 30_000);

afterAll(async () => {
  hub?.dispose();
  await Promise.all(responders.map((responder) => responder.close()));
  await new Promise<void>((done) => (aedesServer ? aedesServer.close(() => done()) : done()));
  await new Promise<void>((done) => (aedes ? aedes.close(() => done()) : done()));
  db?.close();
  await broker?.dispose();
});

const opened: string[] = [];
afterEach(async () => {
  for (const id of opened.splice(0)) await hub.disconnect(id);
  for (const responder of responders) responder.decide = () => 'answer';
});

async function profile(input: Partial<ConnectionProfileInput> & { url: string }): Promise<string> {
  const created = await repository.create({
    name: `profile ${randomUUID()}`,
    allowPlainBodies: true,
    ...input,
  });
  states.set(created.id, []);
  opened.push(created.id);
  return created.id;
}

function getStatus(destination = deviceId, body = '{"Version":"1.0","NodeID":"0001"}'): CmfRequest {
  return buildCmfRequest({
    source: consoleId,
    destination,
    commandType: `1/${destination}/control/0001/GetStatus`,
    commandId: commandIds.next(),
    accessToken: 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln',
    encryptionOn: false,
    body,
  });
}

function roundTrip(
  profileId: string,
  message = getStatus(),
  extra: { timeoutMs?: number; resends?: number } = {},
) {
  return hub.request(profileId, {
    requestTopic: `1/${message.DestinationEndPointID}/control/0001/GetStatus`,
    responseTopic: `1/${consoleId}/control/0001/GetStatus`,
    message,
    timeoutMs: extra.timeoutMs ?? 2_000,
    resends: extra.resends ?? 0,
  });
}

async function expectRoundTrips(profileId: string, count = 5): Promise<void> {
  for (let index = 0; index < count; index += 1) {
    const message = getStatus();
    const { response, attempts, latencyMs } = await roundTrip(profileId, message);
    expect(response.MessageType).toBe('response');
    expect(response.ReplyID).toBe(message.CommandID);
    expect(response.ReplyStatusCode).toBe(200);
    expect(JSON.parse(response.Payload.Body)).toEqual({ Version: '1.0', Result: 'OK' });
    expect(attempts).toBe(1);
    expect(latencyMs).toBeGreaterThan(0);
  }
}

function waitForState(
  profileId: string,
  status: ConnectionState['status'],
  timeoutMs = 10_000,
): Promise<void> {
  return new Promise((resolveWait, reject) => {
    if (hub.getState(profileId).status === status) return resolveWait();
    const timer = setTimeout(() => {
      listener.dispose();
      reject(new Error(`state ${status} not reached; now ${JSON.stringify(hub.getState(profileId))}`));
    }, timeoutMs);
    const listener = hub.onDidChangeState((change) => {
      if (change.profileId === profileId && change.state.status === status) {
        clearTimeout(timer);
        listener.dispose();
        resolveWait();
      }
    });
  });
}

function opensslProbe(port: number, versionFlag: string): Promise<{ code: number; output: string }> {
  return new Promise((resolveProbe) => {
    const child = execFile(
      'openssl',
      [
        's_client',
        '-connect',
        `127.0.0.1:${port}`,
        versionFlag,
        '-cipher',
        'DEFAULT:@SECLEVEL=0',
        '-CAfile',
        broker.certificates.caCert,
      ],
      { timeout: 10_000 },
      (error, stdout, stderr) =>
        resolveProbe({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}\n${stderr}` }),
    );
    child.stdin?.end();
  });
}

describe('MqttHub against Mosquitto', () => {
  it('round-trips CMF requests over mqtt:// with MQTT 5 and with MQTT 3.1.1', async () => {
    const v5 = await profile({ url: `mqtt://127.0.0.1:${broker.ports.plain}`, protocolVersion: 5 });
    const v4 = await profile({ url: `mqtt://127.0.0.1:${broker.ports.plain}`, protocolVersion: 4 });
    await Promise.all([hub.connect(v5), hub.connect(v4)]);
    expect(states.get(v5)?.map((state) => state.status)).toEqual(['connecting', 'connected']);
    await expectRoundTrips(v5);
    await expectRoundTrips(v4);
    // Concurrent requests on one shared response topic are told apart by ReplyID.
    const messages = Array.from({ length: 20 }, () => getStatus());
    const results = await Promise.all(messages.map((message) => roundTrip(v5, message)));
    expect(results.map((result) => result.response.ReplyID)).toEqual(messages.map((m) => m.CommandID));
  });

  it('round-trips over mqtts:// with the CA and a client certificate (mutual TLS listener)', async () => {
    const { caCert, clientCert, clientKey } = broker.certificates;
    const id = await profile({
      url: `mqtts://127.0.0.1:${broker.ports.mtls}`,
      tls: { caFile: caCert, certFile: clientCert, keyFile: clientKey, rejectUnauthorized: true },
    });
    await hub.connect(id);
    await expectRoundTrips(id, 3);
  });

  it('refuses the mutual TLS listener without a client certificate', async () => {
    const id = await profile({
      url: `mqtts://127.0.0.1:${broker.ports.mtls}`,
      tls: { caFile: broker.certificates.caCert, rejectUnauthorized: true },
    });
    await expect(hub.connect(id)).rejects.toBeInstanceOf(MqttConnectionError);
    expect(hub.getState(id)).toMatchObject({ status: 'failed', error: { code: 'TLS' } });
  });

  it('round-trips over wss:// (MQTT over WebSocket over TLS) trusting the test CA', async () => {
    const id = await profile({
      url: `wss://127.0.0.1:${broker.ports.wss}/mqtt`,
      tls: { caFile: broker.certificates.caCert, rejectUnauthorized: true },
    });
    await hub.connect(id);
    await expectRoundTrips(id, 3);
  });

  it('fails with a TLS error when the broker certificate is not trusted (no CA given)', async () => {
    const id = await profile({ url: `mqtts://127.0.0.1:${broker.ports.tls}` });
    await expect(hub.connect(id)).rejects.toThrow(/certificate/);
    expect(hub.getState(id)).toMatchObject({ status: 'failed', error: { code: 'TLS' } });
  });

  it('rejects with TIMEOUT when nobody answers', async () => {
    const id = await profile({ url: `mqtt://127.0.0.1:${broker.ports.plain}` });
    await hub.connect(id);
    const started = Date.now();
    const error = await roundTrip(id, getStatus(silentDeviceId), { timeoutMs: 300, resends: 1 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(NiceProtocolError);
    expect(error).toMatchObject({ code: 'TIMEOUT' });
    expect((error as Error).message).toMatch(/after 2 copies/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('resends the identical message when the first copy goes unanswered', async () => {
    const id = await profile({ url: `mqtt://127.0.0.1:${broker.ports.plain}` });
    await hub.connect(id);
    const responder = responders[0];
    if (!responder) throw new Error('no responder');
    responder.decide = (_request, copy) => (copy === 1 ? 'ignore' : 'answer');
    const message = getStatus();
    const result = await roundTrip(id, message, { timeoutMs: 1_500, resends: 2 });
    expect(result.attempts).toBe(2);
    expect(result.response.ReplyID).toBe(message.CommandID);
    expect(result.latencyMs).toBeGreaterThanOrEqual(450);
    const copies = responder.received.filter((item) => item.request.CommandID === message.CommandID);
    expect(copies).toHaveLength(2);
    expect(copies[1]?.payload).toBe(copies[0]?.payload);
  });

  it('rejects with CANCELLED when the signal aborts, and UNAVAILABLE when not connected', async () => {
    const id = await profile({ url: `mqtt://127.0.0.1:${broker.ports.plain}` });
    await expect(roundTrip(id)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await hub.connect(id);
    const controller = new AbortController();
    const message = getStatus(silentDeviceId);
    const pending = hub.request(id, {
      requestTopic: `1/${silentDeviceId}/control/0001/GetStatus`,
      responseTopic: `1/${consoleId}/control/0001/GetStatus`,
      message,
      timeoutMs: 5_000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('refuses a plain-body response on a profile that does not allow plain bodies', async () => {
    const id = await profile({ url: `mqtt://127.0.0.1:${broker.ports.plain}`, allowPlainBodies: false });
    await hub.connect(id);
    await expect(roundTrip(id)).rejects.toMatchObject({ code: 'MALFORMED', field: 'EncryptionOn' });
  });

  it('delivers data at QoS 1 and publishes through the hub', async () => {
    const id = await profile({ url: `mqtt://127.0.0.1:${broker.ports.plain}` });
    await hub.connect(id);
    const received: Array<{ topic: string; text: string }> = [];
    const subscription = hub.subscribeData(id, `1/${consoleId}/data/+/+`, 1, (payload, topic) =>
      received.push({ topic, text: payload.toString('utf8') }),
    );
    await subscription.ready;
    await hub.publish(id, `1/${consoleId}/data/0001/0002`, '{"SceneMarkID":"a"}', 1);
    await expect
      .poll(() => received)
      .toEqual([{ topic: `1/${consoleId}/data/0001/0002`, text: '{"SceneMarkID":"a"}' }]);
    subscription.dispose();
    await hub.publish(id, `1/${consoleId}/data/0001/0002`, '{"SceneMarkID":"b"}', 1);
    await new Promise((done) => setTimeout(done, 100));
    expect(received).toHaveLength(1);
  });

  it('reports a wrong password as failed with a clear error and does not retry it', async () => {
    const [user, password] = Object.entries(broker.users)[0] ?? ['', ''];
    for (const protocolVersion of [5, 4] as const) {
      const id = await profile({
        url: `mqtt://127.0.0.1:${broker.ports.auth}`,
        protocolVersion,
        username: user,
        password: 'not the password',
      });
      const error = await hub.connect(id).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(MqttConnectionError);
      expect((error as Error).message).toMatch(/username or password|not authori[sz]e/);
      const state = hub.getState(id);
      expect(state.status).toBe('failed');
      if (state.status === 'failed')
        expect(['BAD_CREDENTIALS', 'NOT_AUTHORIZED']).toContain(state.error.code);
      await new Promise((done) => setTimeout(done, 400));
      expect(states.get(id)?.map((item) => item.status)).toEqual(['connecting', 'failed']);
      expect(JSON.stringify(states.get(id))).not.toContain('not the password');
    }
    const good = await profile({ url: `mqtt://127.0.0.1:${broker.ports.auth}`, username: user, password });
    await hub.connect(good);
    await expectRoundTripsVia(good);
  });

  it('refuses TLS 1.0 and 1.1 and accepts TLS 1.2 (openssl s_client probes)', async () => {
    for (const port of [broker.ports.tls, broker.ports.wss]) {
      for (const flag of ['-tls1', '-tls1_1']) {
        const probe = await opensslProbe(port, flag);
        expect(probe.code, probe.output).not.toBe(0);
        expect(probe.output).not.toMatch(/Cipher is (?!\(NONE\))/);
      }
      const ok = await opensslProbe(port, '-tls1_2');
      expect(ok.code, ok.output).toBe(0);
      expect(ok.output).toMatch(/Protocol\s*:\s*TLSv1\.2/);
      expect(ok.output).toMatch(/Cipher is ECDHE-ECDSA-AES(256|128)-GCM-SHA(384|256)/);
    }
  });

  it('goes reconnecting → connected across a broker restart, then requests and data work again', async () => {
    const id = await profile({ url: `mqtt://127.0.0.1:${broker.ports.plain}` });
    await hub.connect(id);
    const received: string[] = [];
    const subscription = hub.subscribeData(id, `1/${consoleId}/data/0001/0003`, 0, (payload) =>
      received.push(payload.toString('utf8')),
    );
    await subscription.ready;
    const responder = responders[0];
    if (!responder) throw new Error('no responder');
    const responderBack = responder.nextReady();

    await broker.stop();
    await waitForState(id, 'reconnecting');
    await expect(roundTrip(id)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await new Promise((done) => setTimeout(done, 300)); // a few refused attempts while it is down
    await broker.start();
    await waitForState(id, 'connected');
    await responderBack;

    const statuses = states.get(id)?.map((state) => state.status) ?? [];
    expect(statuses.slice(0, 2)).toEqual(['connecting', 'connected']);
    expect(statuses.indexOf('reconnecting')).toBe(2);
    expect(statuses.at(-1)).toBe('connected');
    const retries = states.get(id)?.filter((state) => state.status === 'reconnecting') ?? [];
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(retries.map((retry) => (retry.status === 'reconnecting' ? retry.attempt : -1))).toEqual(
      retries.map((_, index) => index + 1),
    );
    for (const retry of retries)
      if (retry.status === 'reconnecting') expect(retry.lastError.code).toBe('NETWORK');

    await expectRoundTrips(id, 3);
    const publisher = mqttConnect(`mqtt://127.0.0.1:${broker.ports.plain}`, { reconnectPeriod: 0 });
    await new Promise((done) => publisher.once('connect', done));
    publisher.publish(`1/${consoleId}/data/0001/0003`, 'after restart');
    await expect.poll(() => received).toEqual(['after restart']);
    publisher.end(true);
    subscription.dispose();
  });
});

describe('MqttHub against aedes (MQTT 3.1.1)', () => {
  it('round-trips CMF requests', async () => {
    const id = await profile({ url: `mqtt://127.0.0.1:${aedesPort}`, protocolVersion: 4 });
    await hub.connect(id);
    await expectRoundTrips(id, 5);
  });
});

describe('MqttHub TLS policy against servers that fall short of v0.9 §5', () => {
  let server: TlsServer | undefined;
  afterEach(async () => {
    await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
    server = undefined;
  });

  async function listen(options: Parameters<typeof createTlsServer>[0]): Promise<number> {
    const { serverCert, serverKey } = broker.certificates;
    server = createTlsServer(
      { cert: readFileSync(serverCert), key: readFileSync(serverKey), ...options },
      (socket) => socket.end(),
    );
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((done) => server?.listen(0, '127.0.0.1', done));
    const address = server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  it('refuses a broker that speaks only TLS 1.1', async () => {
    const port = await listen({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' });
    const id = await profile({
      url: `mqtts://127.0.0.1:${port}`,
      tls: { caFile: broker.certificates.caCert },
    });
    await expect(hub.connect(id)).rejects.toThrow(/TLS 1\.2/);
    expect(hub.getState(id)).toMatchObject({ status: 'failed', error: { code: 'TLS' } });
  });

  it('refuses a TLS 1.2 broker without a §5 cipher suite', async () => {
    const port = await listen({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA256' });
    const id = await profile({
      url: `mqtts://127.0.0.1:${port}`,
      tls: { caFile: broker.certificates.caCert },
    });
    await expect(hub.connect(id)).rejects.toThrow(/cipher suite/);
    expect(hub.getState(id)).toMatchObject({ status: 'failed', error: { code: 'TLS' } });
  });
});

async function expectRoundTripsVia(profileId: string): Promise<void> {
  await expectRoundTrips(profileId, 2);
}
