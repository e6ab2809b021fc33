import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CMF_DEFAULT_MAX_BYTES } from '../../../src-main/core/nice/cmf';
import { niceTls12CipherSuites } from '../../../src-main/core/nice/tlsProfile';
import { type Logger } from '../../../src-main/core/util/logger';
import {
  EmbeddedBrokerListenError,
  startEmbeddedBroker,
  type BrokerClientEvent,
  type EmbeddedBroker,
  type EmbeddedBrokerOptions,
} from '../../../src-main/embedded/broker/embeddedBroker';
import { httpGet } from '../../support/httpProbe';
import { createSelfSignedCertificate, type SelfSignedCertificate } from '../../support/testCertificates';

const username = 'console';
const password = randomBytes(18).toString('base64url');
const devicePassword = randomBytes(18).toString('base64url');
const maxPacketBytes = 64 * 1024;

const logLines: string[] = [];
const recordingLogger: Logger = {
  log: (level, source, message, detail) => logLines.push(`${level} ${source} ${message} ${detail ?? ''}`),
};

let certificate: SelfSignedCertificate;
let broker: EmbeddedBroker;
const openClients: MqttClient[] = [];
const openBrokers: EmbeddedBroker[] = [];

beforeAll(async () => {
  certificate = createSelfSignedCertificate('ec');
  broker = await startEmbeddedBroker({
    username,
    password,
    credentials: [{ username: 'device', password: devicePassword }],
    tls: { cert: certificate.cert, key: certificate.key },
    maxPacketBytes,
    logger: recordingLogger,
  });
});

afterEach(async () => {
  await Promise.all(openClients.splice(0).map((client) => client.endAsync(true)));
  // Each test starts from an empty broker: the forced ends above are seen by aedes a moment later.
  await expect.poll(() => broker.clientCount()).toBe(0);
  await Promise.all(openBrokers.splice(0).map((started) => started.close()));
});

afterAll(async () => {
  await broker?.close();
  // Passwords never reach a log line, whatever happened in the tests.
  expect(logLines.join('\n')).not.toContain(password);
  expect(logLines.join('\n')).not.toContain(devicePassword);
});

/**
 * An MQTT 3.1.1 client with the console's account that never reconnects on its own. Without
 * retries, `connectAsync` also rejects when the broker closes the connection without a CONNACK.
 */
async function connectClient(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = await connectAsync(
    url,
    {
      username,
      password,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5_000,
      clientId: `test-${randomUUID().slice(0, 8)}`,
      ...(url.startsWith('mqtts:') ? { ca: certificate.cert } : {}),
      ...options,
    },
    false,
  );
  // A dropped connection surfaces as 'error' (ECONNRESET) and 'close'; tests assert on 'close'.
  client.on('error', () => undefined);
  openClients.push(client);
  return client;
}

/** The error `connectAsync` rejects with (it must reject). */
async function connectError(url: string, options: IClientOptions): Promise<Error & { code?: unknown }> {
  const error = await connectClient(url, options).then(
    () => null,
    (failure: unknown) => failure as Error & { code?: unknown },
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error & { code?: unknown };
}

interface Received {
  topic: string;
  payload: Buffer;
  qos: number;
}

/** The next message `client` receives on a topic. */
function nextMessage(client: MqttClient, topic: string): Promise<Received> {
  return new Promise((resolve) => {
    const onMessage = (received: string, payload: Buffer, packet: { qos: number }): void => {
      if (received !== topic) return;
      client.off('message', onMessage);
      resolve({ topic: received, payload, qos: packet.qos });
    };
    client.on('message', onMessage);
  });
}

/** Resolves when the client's connection is gone (`events.once` would reject on its 'error'). */
const closed = (client: MqttClient): Promise<void> =>
  new Promise((resolve) => client.once('close', () => resolve()));

describe('pub/sub across transports', () => {
  const routes = [
    ['tcp', 'webSocket'],
    ['webSocket', 'tcp'],
    ['tls', 'webSocket'],
    ['webSocket', 'tls'],
  ] as const;
  const urlOf = (transport: 'tcp' | 'webSocket' | 'tls'): string =>
    transport === 'tcp'
      ? broker.tcpUrl
      : transport === 'webSocket'
        ? broker.webSocketUrl
        : (broker.tlsUrl ?? '');

  for (const [from, to] of routes) {
    for (const qos of [0, 1, 2] as const) {
      it(`delivers QoS ${qos} from ${from} to ${to}`, async () => {
        const subscriber = await connectClient(urlOf(to));
        const publisher = await connectClient(urlOf(from));
        const topic = `1/${randomUUID()}/data/node/port`;
        await subscriber.subscribeAsync(topic, { qos });
        const arriving = nextMessage(subscriber, topic);
        const payload = randomBytes(2048);
        await publisher.publishAsync(topic, payload, { qos });
        const received = await arriving;
        expect(received.payload.equals(payload)).toBe(true);
        expect(received.qos).toBe(qos);
      });
    }
  }

  it('reports URLs on 127.0.0.1 with distinct ports', () => {
    expect(broker.host).toBe('127.0.0.1');
    expect(broker.tcpUrl).toBe(`mqtt://127.0.0.1:${broker.tcpPort}`);
    expect(broker.webSocketUrl).toBe(`ws://127.0.0.1:${broker.webSocketPort}/mqtt`);
    expect(broker.tlsUrl).toBe(`mqtts://127.0.0.1:${broker.tlsPort}`);
    expect(new Set([broker.tcpPort, broker.webSocketPort, broker.tlsPort]).size).toBe(3);
    expect(broker.tcpPort).toBeGreaterThan(0);
  });
});

describe('authentication', () => {
  it('accepts the extra account and reports who connected over what', async () => {
    const connected: BrokerClientEvent[] = [];
    const disconnected: BrokerClientEvent[] = [];
    const subscriptions = [
      broker.onDidConnectClient((event) => connected.push(event)),
      broker.onDidDisconnectClient((event) => disconnected.push(event)),
    ];
    const before = broker.clientCount();
    const clientId = `device-${randomUUID().slice(0, 8)}`;
    const client = await connectClient(broker.webSocketUrl, {
      username: 'device',
      password: devicePassword,
      clientId,
    });
    expect(broker.clientCount()).toBe(before + 1);
    expect(connected).toEqual([
      {
        client: { clientId, username: 'device', transport: 'webSocket', remoteAddress: '127.0.0.1' },
        clientCount: before + 1,
      },
    ]);
    await client.endAsync();
    await expect.poll(() => disconnected.length).toBe(1);
    expect(disconnected[0]).toEqual({ client: connected[0]?.client, clientCount: before });
    expect(broker.clientCount()).toBe(before);
    for (const subscription of subscriptions) subscription.dispose();
  });

  it('refuses a wrong password with CONNACK 4 "bad username or password"', async () => {
    for (const url of [broker.tcpUrl, broker.webSocketUrl, broker.tlsUrl ?? '']) {
      const error = await connectError(url, { password: `${password}x` });
      expect(error.code).toBe(4);
      expect(error.message).toBe('Connection refused: Bad username or password');
    }
    // Another account's password is no good either.
    const swapped = await connectError(broker.tcpUrl, { username: 'device', password });
    expect(swapped.code).toBe(4);
    const unknownUser = await connectError(broker.tcpUrl, { username: 'nobody' });
    expect(unknownUser.code).toBe(4);
    expect(broker.clientCount()).toBe(0);
    expect(logLines.some((line) => line.startsWith('warn') && /bad username or password/.test(line))).toBe(
      true,
    );
  });

  it('refuses a client without credentials as not authorized (CONNACK 5)', async () => {
    const error = await connectError(broker.tcpUrl, { username: undefined, password: undefined });
    expect(error.code).toBe(5);
    expect(error.message).toBe('Connection refused: Not authorized');
  });

  it('speaks MQTT 3.1 and 3.1.1; refuses MQTT 5, which aedes 1.x does not implement', async () => {
    const legacy = await connectClient(broker.tcpUrl, { protocolVersion: 3, protocolId: 'MQIsdp' });
    const topic = `legacy/${randomUUID()}`;
    await legacy.subscribeAsync(topic, { qos: 1 });
    const arriving = nextMessage(legacy, topic);
    await legacy.publishAsync(topic, 'hello', { qos: 1 });
    expect((await arriving).payload.toString()).toBe('hello');

    const error = await connectError(broker.tcpUrl, { protocolVersion: 5 });
    expect(error.code).toBe(1);
    expect(error.message).toBe('Connection refused: Unacceptable protocol version');
  });
});

describe('last heard from', () => {
  it('moves with every packet of the connected client, keepalive pings included, and ends with it', async () => {
    const clientId = `Device-${randomUUID().slice(0, 8)}`;
    expect(broker.lastHeardFrom(clientId)).toBeUndefined();
    const beforeConnect = Date.now();
    const client = await connectClient(broker.tcpUrl, { clientId, keepalive: 1 });
    const atConnect = broker.lastHeardFrom(clientId.toLowerCase());
    expect(atConnect).toBeGreaterThanOrEqual(beforeConnect);
    // No publish from here on: only PINGREQs (one per keepalive second) move it.
    await expect.poll(() => broker.lastHeardFrom(clientId) ?? 0).toBeGreaterThan(atConnect ?? 0);
    const afterPing = broker.lastHeardFrom(clientId) ?? 0;
    await client.publishAsync('devices/heard', 'x');
    await expect.poll(() => broker.lastHeardFrom(clientId) ?? 0).toBeGreaterThan(afterPing);

    // A second connection with the same ClientID takes over: the record follows it and survives
    // the old connection's disconnect.
    const takeover = await connectClient(broker.tcpUrl, { clientId, keepalive: 60 });
    const atTakeover = broker.lastHeardFrom(clientId) ?? 0;
    await expect.poll(() => client.connected).toBe(false);
    expect(broker.lastHeardFrom(clientId)).toBeGreaterThanOrEqual(atTakeover);
    await takeover.endAsync();
    await expect.poll(() => broker.lastHeardFrom(clientId)).toBeUndefined();
  });
});

describe('TLS listener', () => {
  const tlsPort = (): number => broker.tlsPort ?? 0;

  /** Completes a handshake with `options`, or rejects with the TLS error. */
  function handshake(options: ConnectionOptions): Promise<TLSSocket> {
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: tlsPort(), ca: certificate.cert, ...options });
      socket.once('secureConnect', () => resolve(socket));
      socket.once('error', reject);
    });
  }

  it('negotiates TLS 1.2 with a NICE v0.9 §5.2 suite, and TLS 1.3', async () => {
    const tls12 = await handshake({ maxVersion: 'TLSv1.2' });
    expect(tls12.getProtocol()).toBe('TLSv1.2');
    expect(niceTls12CipherSuites.map((suite) => suite.openssl)).toContain(tls12.getCipher().name);
    tls12.destroy();
    const tls13 = await handshake({});
    expect(tls13.getProtocol()).toBe('TLSv1.3');
    tls13.destroy();
  });

  it('refuses TLS 1.0 and 1.1, and a TLS 1.2 suite without forward secrecy', async () => {
    // SECLEVEL=0 lets this OpenSSL client offer TLS 1.0/1.1 at all, so the alert is the broker's.
    for (const version of ['TLSv1', 'TLSv1.1'] as const) {
      await expect(
        handshake({ minVersion: version, maxVersion: version, ciphers: 'DEFAULT@SECLEVEL=0' }),
      ).rejects.toMatchObject({ code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
    }
    await expect(handshake({ maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256' })).rejects.toMatchObject({
      code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
    });
  });

  it('rejects an MQTT client that does not trust the certificate', async () => {
    const error = await connectError(broker.tlsUrl ?? '', { ca: undefined, rejectUnauthorized: true });
    expect(error.message).toMatch(/self.signed|unable to verify/i);
  });
});

describe('guard rails', () => {
  it('drops a client whose packet is above maxPacketBytes; smaller packets pass', async () => {
    const subscriber = await connectClient(broker.webSocketUrl);
    const topic = `big/${randomUUID()}`;
    await subscriber.subscribeAsync(topic, { qos: 1 });

    for (const url of [broker.tcpUrl, broker.webSocketUrl]) {
      const publisher = await connectClient(url);
      const dropped = closed(publisher);
      publisher.publish(topic, randomBytes(maxPacketBytes), { qos: 0 });
      await dropped;
    }

    // The first message to arrive is the one within the limit: the big ones were never routed.
    const fitting = randomBytes(maxPacketBytes - 1024);
    const arriving = nextMessage(subscriber, topic);
    const publisher = await connectClient(broker.tcpUrl);
    await publisher.publishAsync(topic, fitting, { qos: 1 });
    expect((await arriving).payload.equals(fitting)).toBe(true);
    expect(logLines.some((line) => line.startsWith('warn') && /above the broker's limit/.test(line))).toBe(
      true,
    );
  });

  it('closes the connection on an oversized header before any body is sent', async () => {
    const socket = netConnect(broker.tcpPort, '127.0.0.1');
    await once(socket, 'connect');
    // CONNECT one byte at a time: the size guard must follow packets split anywhere.
    for (const byte of connectPacket(`raw-${randomUUID().slice(0, 8)}`, username, password)) {
      socket.write(Buffer.of(byte));
    }
    const [connack] = (await once(socket, 'data')) as [Buffer];
    expect([...connack]).toEqual([0x20, 0x02, 0x00, 0x00]);
    const ended = once(socket, 'close');
    // A PUBLISH announcing 200 MB; its body never follows.
    socket.write(Buffer.concat([Buffer.of(0x30), remainingLength(200_000_000)]));
    await ended;
  });

  it('drops a client publishing to a wildcard topic; the message goes nowhere', async () => {
    const subscriber = await connectClient(broker.tcpUrl);
    const base = `wild/${randomUUID()}`;
    await subscriber.subscribeAsync(`${base}/#`, { qos: 0 });
    const publisher = await connectClient(broker.tcpUrl);
    const dropped = closed(publisher);
    publisher.publish(`${base}/+`, 'wild');
    await dropped;
    const arriving = nextMessage(subscriber, `${base}/tame`);
    const other = await connectClient(broker.tcpUrl);
    await other.publishAsync(`${base}/tame`, 'tame');
    expect((await arriving).payload.toString()).toBe('tame');
  });

  it('refuses a Will with a wildcard topic and delivers a valid Will', async () => {
    // Closed without a CONNACK: MQTT 3.1.1 has no return code for a malformed CONNECT.
    const error = await connectError(broker.tcpUrl, {
      will: { topic: 'will/#', payload: Buffer.from('gone'), qos: 0, retain: false },
    });
    expect(error.message).toBe("Couldn't connect to server");
    expect(logLines.some((line) => line.startsWith('warn') && /wildcards are not allowed/.test(line))).toBe(
      true,
    );

    const watcher = await connectClient(broker.webSocketUrl);
    const willTopic = `will/${randomUUID()}`;
    await watcher.subscribeAsync(willTopic);
    const mortal = await connectClient(broker.tcpUrl, {
      will: { topic: willTopic, payload: Buffer.from('gone'), qos: 0, retain: false },
    });
    const arriving = nextMessage(watcher, willTopic);
    mortal.stream.destroy();
    expect((await arriving).payload.toString()).toBe('gone');
  });

  it('answers plain HTTP with 426 and refuses WebSockets outside /mqtt', async () => {
    const response = await httpGet(`http://127.0.0.1:${broker.webSocketPort}/`);
    expect(response.status).toBe(426);
    const socket = new WebSocket(`ws://127.0.0.1:${broker.webSocketPort}/other`, 'mqtt');
    const [error] = (await once(socket, 'error')) as [Error];
    expect(error.message).toMatch(/400/);
  });
});

describe('lifecycle', () => {
  async function start(options: Partial<EmbeddedBrokerOptions> = {}): Promise<EmbeddedBroker> {
    const started = await startEmbeddedBroker({ username, password, logger: recordingLogger, ...options });
    openBrokers.push(started);
    return started;
  }

  it('gives two brokers on port 0 different ports', async () => {
    const first = await start();
    const second = await start();
    const ports = [first.tcpPort, first.webSocketPort, second.tcpPort, second.webSocketPort];
    expect(new Set(ports).size).toBe(4);
    expect(first.tlsUrl).toBeNull();
    expect(first.tlsPort).toBeNull();
  });

  it('close() disconnects every client and frees every port; calling it again is harmless', async () => {
    const started = await start({ tls: { cert: certificate.cert, key: certificate.key } });
    const clients = await Promise.all(
      [started.tcpUrl, started.webSocketUrl, started.tlsUrl ?? ''].map((url) => connectClient(url)),
    );
    const disconnected: BrokerClientEvent[] = [];
    started.onDidDisconnectClient((event) => disconnected.push(event));
    expect(started.clientCount()).toBe(3);
    // A connection that never sends CONNECT must not hold the port open either.
    const silent = netConnect(started.tcpPort, '127.0.0.1');
    await once(silent, 'connect');
    const silentClosed = once(silent, 'close');

    const allClosed = Promise.all(clients.map(closed));
    await Promise.all([started.close(), started.close()]);
    await started.close();
    await allClosed;
    await silentClosed;
    expect(started.clientCount()).toBe(0);
    expect(disconnected.map((event) => event.clientCount).sort()).toEqual([0, 1, 2]);

    for (const port of [started.tcpPort, started.webSocketPort, started.tlsPort ?? 0]) {
      const server = await bind(port);
      await new Promise((done) => server.close(done));
    }
  });

  it('rejects with a clear error when a port is taken, and leaves nothing listening', async () => {
    const blocker = await bind(0);
    const blockedPort = (blocker.address() as { port: number }).port;
    const tcpProbe = await bind(0);
    const tcpPort = (tcpProbe.address() as { port: number }).port;
    await new Promise((done) => tcpProbe.close(done));
    try {
      const error = await startEmbeddedBroker({
        username,
        password,
        tcpPort,
        webSocketPort: blockedPort,
      }).then(
        () => null,
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(EmbeddedBrokerListenError);
      expect((error as Error).message).toBe(
        `embedded broker: cannot listen for WebSocket on 127.0.0.1:${blockedPort}: port already in use (EADDRINUSE)`,
      );
      // The TCP listener that did start was closed again.
      const server = await bind(tcpPort);
      await new Promise((done) => server.close(done));
    } finally {
      await new Promise((done) => blocker.close(done));
    }
  });

  it('carries a message at the CMF size limit (4 MiB) by default, TCP to WebSocket and back', async () => {
    const started = await start();
    const tcp = await connectClient(started.tcpUrl);
    const ws = await connectClient(started.webSocketUrl);
    const topic = `cmf/${randomUUID()}`;
    await Promise.all([tcp.subscribeAsync(topic, { qos: 1 }), ws.subscribeAsync(topic, { qos: 1 })]);
    const payload = randomBytes(CMF_DEFAULT_MAX_BYTES);
    for (const [from, to] of [
      [tcp, ws],
      [ws, tcp],
    ] as const) {
      const arriving = nextMessage(to, topic);
      await from.publishAsync(topic, payload, { qos: 1 });
      expect((await arriving).payload.equals(payload)).toBe(true);
    }
  });

  it('runs with a list of accounts alone, but never without one', async () => {
    const started = await startEmbeddedBroker({
      credentials: [
        { username: 'devices', password: devicePassword },
        { username: 'account-service', password },
      ],
    });
    openBrokers.push(started);
    await connectClient(started.tcpUrl, { username: 'account-service', password });
    await connectClient(started.webSocketUrl, { username: 'devices', password: devicePassword });
    expect(started.clientCount()).toBe(2);
    const refused = await connectError(started.tcpUrl, { username: 'devices', password });
    expect(refused.code).toBe(4);

    await expect(startEmbeddedBroker({ credentials: [] })).rejects.toThrow(/at least one credential/);
    await expect(startEmbeddedBroker({ username, password: '' })).rejects.toThrow(/empty password/);
  });
});

/** Listens on 127.0.0.1:`port` (rejects when the port is taken). */
function bind(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket: Socket) => socket.destroy());
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** MQTT 3.1.1 Remaining Length (§2.2.3). */
function remainingLength(length: number): Buffer {
  const bytes: number[] = [];
  do {
    let byte = length % 128;
    length = Math.floor(length / 128);
    if (length > 0) byte |= 0x80;
    bytes.push(byte);
  } while (length > 0);
  return Buffer.from(bytes);
}

/** A UTF-8 string with its two-byte length (§1.5.3). */
function mqttString(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** An MQTT 3.1.1 CONNECT with clean session, username and password (§3.1). */
function connectPacket(clientId: string, user: string, secret: string): Buffer {
  const variableHeader = Buffer.concat([mqttString('MQTT'), Buffer.of(4, 0xc2, 0, 60)]);
  const body = Buffer.concat([variableHeader, mqttString(clientId), mqttString(user), mqttString(secret)]);
  return Buffer.concat([Buffer.of(0x10), remainingLength(body.length), body]);
}
