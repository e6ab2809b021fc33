import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { CMF_DEFAULT_MAX_BYTES } from '../../core/nice/cmf';
import { toDisposable, type Disposable } from '../../core/util/disposable';
import { silentLogger, type Logger } from '../../core/util/logger';
import { createCredentialCheck, type BrokerCredential } from './brokerCredentials';
import {
  listenTcp,
  listenTls,
  listenWebSocket,
  type AcceptConnection,
  type BrokerListener,
  type BrokerTransport,
  type ListenerContext,
} from './brokerListeners';
import { MqttFramingError, PacketSizeGuard } from './packetSizeGuard';

export { EmbeddedBrokerListenError, type BrokerTransport } from './brokerListeners';
export { type BrokerCredential } from './brokerCredentials';

/**
 * Default largest MQTT packet: a CMF message at the parser's own limit (4 MiB) plus room for
 * the longest topic (64 KiB) and the headers, so every message the console accepts fits.
 */
export const defaultMaxPacketBytes = CMF_DEFAULT_MAX_BYTES + 64 * 1024 + 16;

/** Largest packet MQTT can frame: a 4-byte Remaining Length (MQTT 3.1.1 §2.2.3) plus its header. */
const mqttMaxPacketBytes = 268_435_455 + 5;

/**
 * The accounts the broker accepts; there is always at least one (checked again at start), the
 * broker never runs without authentication. Either a main account, optionally with more, or
 * a list of accounts alone.
 */
export type EmbeddedBrokerAccounts =
  | {
      /** The console's account. */
      username: string;
      password: string;
      /** More accounts (a device account next to the console's own …). */
      credentials?: readonly BrokerCredential[];
    }
  | { username?: undefined; password?: undefined; credentials: readonly BrokerCredential[] };

/** How main starts the embedded broker. */
export type EmbeddedBrokerOptions = EmbeddedBrokerAccounts & {
  /** Address every listener binds to (default 127.0.0.1: only this workstation). */
  host?: string;
  /** mqtt:// port (default 0: a free port). */
  tcpPort?: number;
  /** ws:// port, path /mqtt (default 0: a free port). */
  webSocketPort?: number;
  /** mqtts:// listener, on only when a certificate and key are given (PEM). */
  tls?: { cert: string | Buffer; key: string | Buffer; port?: number };
  /** Largest packet in bytes, fixed header included (default `defaultMaxPacketBytes`). */
  maxPacketBytes?: number;
  /** How long a new connection may take to send CONNECT (default 10 s). */
  connectTimeoutMs?: number;
  logger?: Logger;
};

/** A client that passed authentication. */
export interface EmbeddedBrokerClient {
  clientId: string;
  /** The account it authenticated as. */
  username: string;
  transport: BrokerTransport;
  remoteAddress: string | null;
}

/** A client connected or disconnected; `clientCount` is the count after the change. */
export interface BrokerClientEvent {
  client: EmbeddedBrokerClient;
  clientCount: number;
}

/** Where the embedded broker listens. */
export interface BrokerAddresses {
  readonly host: string;
  readonly tcpPort: number;
  /** `mqtt://host:port` */
  readonly tcpUrl: string;
  readonly webSocketPort: number;
  /** `ws://host:port/mqtt` */
  readonly webSocketUrl: string;
  readonly tlsPort: number | null;
  /** `mqtts://host:port`, or null when TLS is off. */
  readonly tlsUrl: string | null;
}

/**
 * The running embedded broker. It speaks MQTT 3.1 and 3.1.1 only: aedes 1.x refuses an MQTT 5
 * CONNECT with return code 1 (unacceptable protocol version), so clients must use version 4.
 */
export interface EmbeddedBroker extends BrokerAddresses {
  /** Authenticated clients connected now. */
  clientCount(): number;
  onDidConnectClient(listener: (event: BrokerClientEvent) => void): Disposable;
  onDidDisconnectClient(listener: (event: BrokerClientEvent) => void): Disposable;
  /**
   * When the broker last got a packet (CONNECT, PUBLISH, SUBSCRIBE, PINGREQ) from the client
   * connected now with this ClientID (ms since the epoch); undefined when none is. A client silent
   * for 1.5 × its keepalive is disconnected by the broker (MQTT 3.1.1 §3.1.2.10), so a connected
   * client was heard from within that window.
   */
  lastHeardFrom(clientId: string): number | undefined;
  /**
   * Disconnects every client, closes every listener and the broker; resolves once all ports
   * are free. Safe to call more than once.
   */
  close(): Promise<void>;
}

const source = 'embedded-broker';

/** A CONNECT whose Will topic has wildcards; the connection is closed without a CONNACK. */
class WillTopicError extends Error {
  constructor(topic: string) {
    super(`wildcards are not allowed in a Will topic (${topic})`);
    this.name = 'WillTopicError';
  }
}

interface Peer {
  transport: BrokerTransport;
  remoteAddress: string | null;
  username?: string;
}

/**
 * Starts aedes with a TCP and a WebSocket listener (and a TLS one when `options.tls` is set),
 * all requiring a username and password. Rejects with `EmbeddedBrokerListenError` when a port
 * cannot be bound, after closing whatever had already started.
 */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const checkCredentials = createCredentialCheck([
    ...(options.username !== undefined ? [{ username: options.username, password: options.password }] : []),
    ...(options.credentials ?? []),
  ]);
  const host = options.host ?? '127.0.0.1';
  const maxPacketBytes = options.maxPacketBytes ?? defaultMaxPacketBytes;
  if (!Number.isInteger(maxPacketBytes) || maxPacketBytes < 2 || maxPacketBytes > mqttMaxPacketBytes) {
    throw new Error(`embedded broker: maxPacketBytes must be an integer from 2 to ${mqttMaxPacketBytes}`);
  }
  const ports = { tcpPort: options.tcpPort ?? 0, webSocketPort: options.webSocketPort ?? 0 };
  for (const [name, port] of [...Object.entries(ports), ['tls.port', options.tls?.port ?? 0] as const]) {
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      throw new Error(`embedded broker: ${name} must be an integer from 0 to 65535`);
    }
  }
  const logger = options.logger ?? silentLogger;
  const peers = new WeakMap<Client, Peer>();

  const aedes = await Aedes.createBroker({
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    // A Will is published like any PUBLISH, so its topic must be a Topic Name without
    // wildcards (MQTT 3.1.1 §4.7.1). aedes checks PUBLISH packets itself, not Will topics.
    preConnect: (_client, packet, done) => {
      const willTopic = packet.will?.topic;
      if (willTopic !== undefined && /[#+]/.test(willTopic)) {
        done(new WillTopicError(willTopic), false);
      } else done(null, true);
    },
    authenticate: (client, username, password, done) => {
      const account = checkCredentials(username, password);
      const peer = peers.get(client);
      if (account !== null) {
        if (peer) peer.username = account;
        done(null, true);
        return;
      }
      // As Mosquitto does: no username at all is "not authorized" (5), a wrong one is 4.
      const returnCode = username === undefined ? 5 : 4;
      const error = new Error(returnCode === 5 ? 'not authorized' : 'bad username or password');
      done(Object.assign(error, { returnCode }) as AuthenticateError, false);
    },
  });

  const accept: AcceptConnection = (transport, stream, remoteAddress, request) => {
    const client = aedes.handle(new PacketSizeGuard(stream, maxPacketBytes), request);
    peers.set(client, { transport, remoteAddress });
  };
  const context: ListenerContext = { host, accept, logger };
  const started = await Promise.allSettled([
    listenTcp(context, ports.tcpPort),
    listenWebSocket(context, ports.webSocketPort, maxPacketBytes),
    ...(options.tls ? [listenTls(context, options.tls.port ?? 0, options.tls)] : []),
  ]);
  const listeners = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) {
    await Promise.all(listeners.map((listener) => listener.close()));
    await new Promise<void>((done) => aedes.close(() => done()));
    throw failure.reason;
  }
  const broker = new RunningBroker(aedes, listeners, peers, logger);
  const addresses = addressesOf(host, listeners);
  const urls = [addresses.tcpUrl, addresses.webSocketUrl, addresses.tlsUrl];
  logger.log('info', source, `listening on ${urls.filter(Boolean).join(', ')}`);
  // Plain values, copied onto the broker so the class need not declare them a second time.
  return Object.assign(broker, addresses);
}

/** Brackets an IPv6 literal for use in a URL. */
function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** The ports the listeners got (0 for the TCP and WebSocket ones if missing) and their URLs. */
function addressesOf(host: string, listeners: readonly BrokerListener[]): BrokerAddresses {
  const portOf = (transport: BrokerTransport): number | null =>
    listeners.find((listener) => listener.transport === transport)?.port ?? null;
  const tcpPort = portOf('tcp') ?? 0;
  const webSocketPort = portOf('webSocket') ?? 0;
  const tlsPort = portOf('tls');
  return {
    host,
    tcpPort,
    tcpUrl: `mqtt://${urlHost(host)}:${tcpPort}`,
    webSocketPort,
    webSocketUrl: `ws://${urlHost(host)}:${webSocketPort}/mqtt`,
    tlsPort,
    tlsUrl: tlsPort === null ? null : `mqtts://${urlHost(host)}:${tlsPort}`,
  };
}

/** The broker's behaviour; startEmbeddedBroker adds its addresses. */
class RunningBroker implements Omit<EmbeddedBroker, keyof BrokerAddresses> {
  private readonly connectListeners = new Set<(event: BrokerClientEvent) => void>();
  private readonly disconnectListeners = new Set<(event: BrokerClientEvent) => void>();
  /** By ClientID (lowercase, as EndPointIDs compare): the connected client and when it was last heard from. */
  private readonly heard = new Map<string, { client: Client; atMs: number }>();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly aedes: Aedes,
    private readonly listeners: BrokerListener[],
    private readonly peers: WeakMap<Client, Peer>,
    private readonly logger: Logger,
  ) {
    // `client` and `clientDisconnect` pair up exactly (aedes counts `connectedClients` on them);
    // `clientReady` can be skipped by a client that drops during its CONNACK.
    aedes.on('client', (client) => {
      this.hear(client, true);
      this.emit(this.connectListeners, client, 'connected');
    });
    aedes.on('clientDisconnect', (client) => {
      // A takeover by the same ClientID disconnects the old client after the new one connected.
      const key = client.id.toLowerCase();
      if (this.heard.get(key)?.client === client) this.heard.delete(key);
      this.emit(this.disconnectListeners, client, 'disconnected');
    });
    aedes.on('publish', (_packet, client) => {
      if (client) this.hear(client);
    });
    aedes.on('subscribe', (_subscriptions, client) => this.hear(client));
    aedes.on('ping', (_packet, client) => this.hear(client));
    aedes.on('clientError', (client, error) => this.logClientError(client, error));
    aedes.on('connectionError', (client, error) => this.logClientError(client, error));
  }

  clientCount(): number {
    return this.aedes.connectedClients;
  }

  lastHeardFrom(clientId: string): number | undefined {
    return this.heard.get(clientId.toLowerCase())?.atMs;
  }

  /** Notes a packet from `client`; a connecting client replaces any earlier one of its ClientID. */
  private hear(client: Client, connecting = false): void {
    const key = client.id.toLowerCase();
    const entry = this.heard.get(key);
    if (entry?.client === client) entry.atMs = Date.now();
    else if (connecting) this.heard.set(key, { client, atMs: Date.now() });
  }

  onDidConnectClient(listener: (event: BrokerClientEvent) => void): Disposable {
    this.connectListeners.add(listener);
    return toDisposable(() => this.connectListeners.delete(listener));
  }

  onDidDisconnectClient(listener: (event: BrokerClientEvent) => void): Disposable {
    this.disconnectListeners.add(listener);
    return toDisposable(() => this.disconnectListeners.delete(listener));
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      // Listeners first: no new connection arrives while aedes takes the clients down, and
      // each listener resolves only once its port is unbound and its sockets are gone.
      await Promise.all(this.listeners.map((listener) => listener.close()));
      await new Promise<void>((done) => this.aedes.close(() => done()));
      this.logger.log('info', source, 'stopped');
    })();
    return this.closing;
  }

  private describe(client: Client): EmbeddedBrokerClient {
    const peer = this.peers.get(client);
    return {
      clientId: client.id,
      username: peer?.username ?? '',
      transport: peer?.transport ?? 'tcp',
      remoteAddress: peer?.remoteAddress ?? null,
    };
  }

  private emit(
    listeners: Set<(event: BrokerClientEvent) => void>,
    client: Client,
    verb: 'connected' | 'disconnected',
  ): void {
    const described = this.describe(client);
    const event = { client: described, clientCount: this.aedes.connectedClients };
    this.logger.log(
      'debug',
      source,
      `client ${described.clientId} ${verb} (${described.transport}, ${described.remoteAddress ?? 'unknown address'}, user ${described.username}); ${event.clientCount} connected`,
    );
    for (const listener of [...listeners]) {
      // A failing listener must not break aedes' connect or disconnect sequence.
      try {
        listener(event);
      } catch (error) {
        this.logger.log(
          'error',
          source,
          `client ${verb} listener failed`,
          error instanceof Error ? error.stack : String(error),
        );
      }
    }
  }

  private logClientError(client: Client, error: Error): void {
    const peer = this.peers.get(client);
    // aedes sets the id only once a CONNECT has passed its protocol checks.
    const who = `client ${client.id ?? '(no id yet)'} (${peer?.transport ?? '?'}, ${peer?.remoteAddress ?? 'unknown address'})`;
    // CONNACK refusals carry `errorCode`; the other two are a client breaking the broker's rules.
    // Everything else (resets, keepalive timeouts) is ordinary churn.
    const refused = typeof (error as { errorCode?: unknown }).errorCode === 'number';
    const level =
      refused || error instanceof MqttFramingError || error instanceof WillTopicError ? 'warn' : 'debug';
    this.logger.log(level, source, `${who} ${refused ? 'refused' : 'dropped'}: ${error.message}`);
  }
}
