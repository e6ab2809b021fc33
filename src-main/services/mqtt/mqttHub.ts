import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  connect as mqttConnect,
  type IClientOptions,
  type IClientSubscribeOptions,
  type MqttClient,
} from 'mqtt';
import {
  isResponseTo,
  parseCmfMessage,
  serializeCmfMessage,
  type CmfRequest,
  type CmfResponse,
} from '../../core/nice/cmf';
import { NiceProtocolError } from '../../core/nice/niceProtocolError';
import { toDisposable, type Disposable } from '../../core/util/disposable';
import { silentLogger, type Logger } from '../../core/util/logger';
import { systemClock, type Clock } from './clock';
import { secureUrlProtocols, type ConnectionProfile } from './connectionProfile';
import { SecretCipherError } from '../secrets/secretCipher';
import {
  classifyConnack,
  classifyConnectionError,
  ConnectionSetupError,
  MqttConnectionError,
  type ClassifiedFailure,
  type ConnectionFailure,
  type ConnectionState,
} from './connectionState';
import { defaultBackoffPolicy, reconnectDelay, type BackoffPolicy } from './reconnectBackoff';
import { buildTlsOptions } from './tlsOptions';
import { hasWildcard, topicMatches } from './topicFilter';

/** MQTT quality of service. */
export type Qos = 0 | 1 | 2;

/** Where the hub reads profiles and (decrypted, in main only) passwords; the repository fits. */
export interface MqttProfileSource {
  require(id: string): ConnectionProfile;
  readPassword(id: string): Promise<string | undefined>;
}

/** Opens an MQTT.js client; injected so tests can observe options. Defaults to `mqtt.connect`. */
export type MqttConnectFunction = (url: string, options: IClientOptions) => MqttClient;

/** What the hub needs, injected by the composition root. */
export interface MqttHubOptions {
  profiles: MqttProfileSource;
  logger?: Logger;
  clock?: Clock;
  /** Uniform [0, 1): the backoff jitter. */
  random?: () => number;
  backoff?: Partial<BackoffPolicy>;
  /** Time allowed for TCP + TLS + CONNACK on each attempt. */
  connectTimeoutMs?: number;
  /** How long a response topic stays subscribed after its last request, to save a SUBSCRIBE per request. */
  responseSubscriptionLingerMs?: number;
  readFile?: (path: string) => Buffer;
  connect?: MqttConnectFunction;
}

/** A change of one profile's connection state. */
export interface ConnectionStateChange {
  profileId: string;
  state: ConnectionState;
}

/** One command sent over MQTT (NICE-PROFILE, CMF: management and control use QoS 0, the caller resends). */
export interface MqttRequestOptions {
  /** The callee's topic for the API (`1/{deviceId}/control/0001/GetStatus`). */
  requestTopic: string;
  /** The caller's topic for the same API, where the response arrives. */
  responseTopic: string;
  message: CmfRequest;
  /** Total time allowed, split into `resends + 1` equal slices. */
  timeoutMs: number;
  /** How many times the identical message is published again when a slice passes unanswered. */
  resends?: number;
  signal?: AbortSignal;
}

/** A matched response, the time from the first publish to its arrival, and how many copies were sent. */
export interface MqttRequestResult {
  response: CmfResponse;
  latencyMs: number;
  attempts: number;
}

/** Receives the raw bytes of a message on a subscribed topic. */
export type DataHandler = (payload: Buffer, topic: string) => void;

/** A data subscription: dispose to stop; `ready` settles at the broker's first SUBACK. */
export interface DataSubscription extends Disposable {
  readonly ready: Promise<void>;
}

interface Listener {
  qos: Qos;
  onMessage: DataHandler;
}

interface PendingRequest {
  request: CmfRequest;
  settle(response: CmfResponse): void;
  refuse(error: NiceProtocolError): void;
}

interface Subscription {
  filter: string;
  listeners: Set<Listener>;
  /** Open requests waiting on this topic, by CommandID. */
  pending: Map<number, Set<PendingRequest>>;
  requestRefs: number;
  linger?: Disposable;
  /** The client whose SUBACK granted it; a new client after reconnect must subscribe again. */
  grantedOn?: MqttClient;
  /** QoS requested from the broker on `grantedOn` (or in flight). */
  requestedQos: number;
  inFlightOn?: MqttClient;
  /** Resolved at the next grant, rejected at a refusal. */
  waiters: Array<{ resolve(): void; reject(error: Error): void }>;
}

interface Connection {
  profileId: string;
  label: string;
  state: ConnectionState;
  profile?: ConnectionProfile;
  client?: MqttClient;
  /** Bumped on every attempt and stop; callbacks of an older attempt are ignored. */
  generation: number;
  /** Attempts made since the connection was last up (or since `connect`); all of them failed. */
  attemptsMade: number;
  retryTimer?: Disposable;
  generatedClientId: string;
  subscriptions: Map<string, Subscription>;
  connectWaiters: Array<{ resolve(): void; reject(error: Error): void }>;
  openRequests: Set<PendingRequest>;
}

/**
 * Holds one MQTT.js client per connected profile and everything NICE needs on top: TLS 1.2+
 * with the v0.9 §5 suites, reconnects with capped exponential backoff and jitter driven by
 * the hub (MQTT.js `reconnectPeriod: 0`, a fresh client per attempt), every subscription
 * restored after a reconnect, auth failures reported once instead of retried, CMF
 * request/response over topics with resends, and raw data subscriptions.
 */
export class MqttHub implements Disposable {
  private readonly connections = new Map<string, Connection>();
  private readonly stateListeners = new Set<(change: ConnectionStateChange) => void>();
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly backoff: BackoffPolicy;
  private readonly connectTimeoutMs: number;
  private readonly lingerMs: number;
  private readonly readFile: (path: string) => Buffer;
  private readonly connectClient: MqttConnectFunction;
  private disposed = false;

  constructor(private readonly options: MqttHubOptions) {
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.backoff = { ...defaultBackoffPolicy, ...options.backoff };
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.lingerMs = options.responseSubscriptionLingerMs ?? 60_000;
    this.readFile = options.readFile ?? ((path) => readFileSync(path));
    this.connectClient = options.connect ?? mqttConnect;
  }

  /** Fires on every state change of any profile. */
  onDidChangeState(listener: (change: ConnectionStateChange) => void): Disposable {
    this.stateListeners.add(listener);
    return toDisposable(() => this.stateListeners.delete(listener));
  }

  /** The current state of a profile's connection (`disconnected` when never connected). */
  getState(profileId: string): ConnectionState {
    return this.connections.get(profileId)?.state ?? { status: 'disconnected' };
  }

  /**
   * Starts connecting (no-op if already connecting or connected) and resolves once connected.
   * Network failures are retried with backoff while the promise waits; it rejects with
   * `MqttConnectionError` when the state becomes `failed` or `disconnect` is called.
   */
  connect(profileId: string): Promise<void> {
    this.assertOpen();
    const connection = this.connectionFor(profileId);
    const { status } = connection.state;
    if (status === 'connected') return Promise.resolve();
    const waiting = new Promise<void>((resolve, reject) =>
      connection.connectWaiters.push({ resolve, reject }),
    );
    if (status === 'disconnected' || status === 'failed') {
      connection.attemptsMade = 0;
      void this.attempt(connection, 1);
    }
    return waiting;
  }

  /** Closes a profile's connection (sending DISCONNECT); its subscriptions stay registered for the next `connect`. */
  async disconnect(profileId: string): Promise<void> {
    const connection = this.connections.get(profileId);
    if (!connection) return;
    const client = this.stop(connection, 'the connection was closed by the operator');
    this.setState(connection, { status: 'disconnected' });
    if (client) await endClient(client, false);
  }

  /**
   * Sends a CMF request and waits for its response (NICE-PROFILE, CMF over MQTT): subscribes
   * the response topic (shared and ref-counted), publishes at QoS 0, and publishes the
   * identical bytes again at each of `resends` timeout slices. A message on the response
   * topic is the answer when MessageType is `response`, ReplyID equals the CommandID and the
   * endpoint pair equals the request's (or is swapped).
   */
  async request(profileId: string, options: MqttRequestOptions): Promise<MqttRequestResult> {
    const { requestTopic, responseTopic, message, timeoutMs, signal } = options;
    const resends = options.resends ?? 0;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
      throw new RangeError('timeoutMs must be a positive number');
    if (!Number.isInteger(resends) || resends < 0) throw new RangeError('resends must be a whole number ≥ 0');
    if (hasWildcard(requestTopic)) throw new RangeError(`request topic ${requestTopic} contains a wildcard`);
    const connection = this.connections.get(profileId);
    if (!connection || connection.state.status !== 'connected') {
      return Promise.reject(
        new NiceProtocolError(
          'UNAVAILABLE',
          `connection ${profileId} is ${connection?.state.status ?? 'disconnected'}`,
        ),
      );
    }
    if (signal?.aborted)
      return Promise.reject(new NiceProtocolError('CANCELLED', 'the request was cancelled'));

    const payload = serializeCmfMessage(message);
    const subscription = this.acquireResponseTopic(connection, responseTopic);
    const slice = timeoutMs / (resends + 1);
    return new Promise<MqttRequestResult>((resolve, reject) => {
      const timers: Disposable[] = [];
      let attempts = 0;
      let firstSentAt: number | undefined;
      let done = false;

      const finish = (outcome: () => void): void => {
        if (done) return;
        done = true;
        for (const timer of timers) timer.dispose();
        signal?.removeEventListener('abort', onAbort);
        const waiting = subscription.pending.get(message.CommandID);
        waiting?.delete(pending);
        if (waiting?.size === 0) subscription.pending.delete(message.CommandID);
        connection.openRequests.delete(pending);
        this.releaseResponseTopic(connection, subscription);
        outcome();
      };
      const pending: PendingRequest = {
        request: message,
        settle: (response) =>
          finish(() => {
            if (
              !response.EncryptionOn &&
              response.Payload.Body !== '' &&
              !connection.profile?.allowPlainBodies
            ) {
              reject(
                new NiceProtocolError(
                  'MALFORMED',
                  'a plain body (EncryptionOn false) is not accepted on this connection; allow plain bodies in its profile to accept it',
                  'EncryptionOn',
                ),
              );
              return;
            }
            resolve({ response, latencyMs: this.clock.monotonic() - (firstSentAt ?? 0), attempts });
          }),
        refuse: (error) => finish(() => reject(error)),
      };
      const onAbort = (): void =>
        pending.refuse(new NiceProtocolError('CANCELLED', 'the request was cancelled'));
      signal?.addEventListener('abort', onAbort, { once: true });

      const send = (): void => {
        const client = connection.client;
        if (done || !client || connection.state.status !== 'connected' || subscription.grantedOn !== client)
          return;
        attempts += 1;
        firstSentAt ??= this.clock.monotonic();
        client.publish(requestTopic, payload, { qos: 0 }, (error) => {
          if (error) this.logger.log('debug', 'mqtt', `publish to ${requestTopic} failed: ${error.message}`);
        });
      };

      let waiting = subscription.pending.get(message.CommandID);
      if (!waiting) subscription.pending.set(message.CommandID, (waiting = new Set()));
      waiting.add(pending);
      connection.openRequests.add(pending);
      timers.push(
        this.clock.setTimeout(
          () =>
            pending.refuse(
              new NiceProtocolError(
                'TIMEOUT',
                `no response to ${message.CommandType} (CommandID ${message.CommandID}) on ${responseTopic} within ${timeoutMs} ms` +
                  ` after ${attempts} ${attempts === 1 ? 'copy' : 'copies'}`,
              ),
            ),
          timeoutMs,
        ),
      );
      for (let index = 1; index <= resends; index += 1) {
        // A resend only goes out if an earlier copy did; before that the first send is still due.
        timers.push(this.clock.setTimeout(() => (attempts > 0 ? send() : undefined), index * slice));
      }
      this.whenGranted(connection, subscription).then(send, (error: Error) =>
        pending.refuse(
          error instanceof NiceProtocolError ? error : new NiceProtocolError('UNAVAILABLE', error.message),
        ),
      );
    });
  }

  /**
   * Subscribes a topic filter for raw messages at the given QoS (the SceneMode's data QoS).
   * Survives reconnects; several handlers on one filter share one broker subscription at the
   * highest QoS any of them asked for.
   */
  subscribeData(profileId: string, topic: string, qos: Qos, handler: DataHandler): DataSubscription {
    this.assertOpen();
    const connection = this.connectionFor(profileId);
    const subscription = this.subscriptionFor(connection, topic);
    const listener: Listener = { qos, onMessage: handler };
    subscription.listeners.add(listener);
    const ready = this.whenGranted(connection, subscription);
    ready.catch(() => undefined);
    return {
      ready,
      dispose: () => {
        if (!subscription.listeners.delete(listener)) return;
        this.maybeUnsubscribe(connection, subscription);
      },
    };
  }

  /** Publishes raw bytes; resolves when written (QoS 0) or acknowledged (QoS 1, 2). */
  publish(profileId: string, topic: string, payload: string | Uint8Array, qos: Qos): Promise<void> {
    const connection = this.connections.get(profileId);
    const client = connection?.client;
    if (!connection || !client || connection.state.status !== 'connected') {
      return Promise.reject(
        new NiceProtocolError(
          'UNAVAILABLE',
          `connection ${profileId} is ${connection?.state.status ?? 'disconnected'}`,
        ),
      );
    }
    if (hasWildcard(topic))
      return Promise.reject(new RangeError(`publish topic ${topic} contains a wildcard`));
    return new Promise((resolve, reject) => {
      client.publish(topic, typeof payload === 'string' ? payload : Buffer.from(payload), { qos }, (error) =>
        error
          ? reject(new NiceProtocolError('UNAVAILABLE', `publish to ${topic} failed: ${error.message}`))
          : resolve(),
      );
    });
  }

  /** The profile a connection was last opened with (for layers that check `allowPlainBodies`). */
  connectedProfile(profileId: string): ConnectionProfile | undefined {
    return this.connections.get(profileId)?.profile;
  }

  /** Closes every connection at once (no DISCONNECT wait) and drops all listeners. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const connection of this.connections.values()) {
      const client = this.stop(connection, 'the console is shutting down');
      if (client) void endClient(client, true);
      for (const subscription of connection.subscriptions.values()) subscription.linger?.dispose();
      connection.subscriptions.clear();
      this.setState(connection, { status: 'disconnected' });
    }
    this.connections.clear();
    this.stateListeners.clear();
  }

  // ---- connection lifecycle ----

  private connectionFor(profileId: string): Connection {
    let connection = this.connections.get(profileId);
    if (!connection) {
      connection = {
        profileId,
        label: profileId,
        state: { status: 'disconnected' },
        generation: 0,
        attemptsMade: 0,
        generatedClientId: `nice-console-${randomBytes(6).toString('hex')}`,
        subscriptions: new Map(),
        connectWaiters: [],
        openRequests: new Set(),
      };
      this.connections.set(profileId, connection);
    }
    return connection;
  }

  private async attempt(connection: Connection, attempt: number): Promise<void> {
    const generation = ++connection.generation;
    connection.retryTimer = undefined;
    connection.attemptsMade = attempt;
    this.setState(connection, { status: 'connecting', attempt });
    let url: string;
    let options: IClientOptions;
    try {
      ({ url, options } = await this.clientOptions(connection));
    } catch (error) {
      // A missing profile or an undecryptable password will not fix itself: report, do not retry.
      const setup =
        error instanceof ConnectionSetupError
          ? error
          : new ConnectionSetupError(
              error instanceof SecretCipherError ? 'password' : 'profile',
              error instanceof Error ? error.message : String(error),
            );
      if (generation === connection.generation) this.fail(connection, classifyConnectionError(setup).failure);
      return;
    }
    if (generation !== connection.generation) return;

    this.logger.log('info', 'mqtt', `connecting ${connection.label} to ${url} (attempt ${attempt})`);
    const client = this.connectClient(url, options);
    connection.client = client;
    // Commands are small and latency-bound: no Nagle delay (TCP and TLS sockets; ws has none).
    (client.stream as { setNoDelay?: (noDelay: boolean) => void } | undefined)?.setNoDelay?.(true);
    let lastFailure: ClassifiedFailure | undefined;
    const current = (): boolean => generation === connection.generation;

    client.on('connect', () => {
      if (!current()) return;
      connection.attemptsMade = 0;
      this.setState(connection, { status: 'connected', since: this.clock.now() });
      for (const waiter of connection.connectWaiters.splice(0)) waiter.resolve();
      this.resubscribeAll(connection, client);
    });
    client.on('message', (topic, payload) => {
      if (current()) this.dispatch(connection, topic, payload);
    });
    client.on('error', (error) => {
      if (!current()) return;
      lastFailure = classifyConnectionError(error);
      if (lastFailure.fatal) this.fail(connection, lastFailure.failure);
    });
    client.on('disconnect', (packet) => {
      // MQTT 5 server DISCONNECT: remember why, the close that follows decides what to do.
      if (current() && packet.reasonCode) lastFailure = classifyConnack(packet.reasonCode);
    });
    client.on('close', () => {
      if (!current()) return;
      const failure = lastFailure?.failure ?? { code: 'NETWORK', message: 'the connection was closed' };
      this.scheduleRetry(connection, failure);
    });
  }

  private async clientOptions(connection: Connection): Promise<{ url: string; options: IClientOptions }> {
    const profile = this.options.profiles.require(connection.profileId);
    const password = await this.options.profiles.readPassword(connection.profileId);
    connection.profile = profile;
    connection.label = `"${profile.name}"`;
    const options: IClientOptions = {
      clientId: profile.clientId || connection.generatedClientId,
      keepalive: profile.keepalive,
      protocolVersion: profile.protocolVersion,
      clean: profile.cleanSession,
      reconnectPeriod: 0,
      connectTimeout: this.connectTimeoutMs,
      resubscribe: false,
      queueQoSZero: false,
      ...(profile.username === undefined ? {} : { username: profile.username }),
      ...(password === undefined ? {} : { password }),
      // MQTT 5 ends a session at disconnect unless told otherwise; 3.1.1 keeps it (§3.1.2.11.2).
      ...(profile.protocolVersion === 5 && !profile.cleanSession
        ? { properties: { sessionExpiryInterval: 0xffffffff } }
        : {}),
    };
    const protocol = new URL(profile.url).protocol;
    if (secureUrlProtocols.has(protocol)) {
      const tls = buildTlsOptions(profile.tls, this.readFile);
      Object.assign(options, tls);
      // MQTT.js forwards only some TLS members to `ws`; give it all of them for wss://.
      if (protocol === 'wss:') options.wsOptions = { ...tls };
    }
    return { url: profile.url, options };
  }

  private scheduleRetry(connection: Connection, failure: ConnectionFailure): void {
    const client = connection.client;
    connection.client = undefined;
    if (client) void endClient(client, true);
    connection.generation += 1;
    for (const subscription of connection.subscriptions.values()) {
      subscription.grantedOn = undefined;
      subscription.inFlightOn = undefined;
    }
    // 0 when an established connection dropped, else the number of failed attempts in a row.
    const failures = connection.attemptsMade;
    if (failures >= this.backoff.maxAttempts) {
      this.fail(connection, {
        ...failure,
        message: `${failure.message} (gave up after ${failures} attempts)`,
      });
      return;
    }
    const attempt = failures + 1;
    const delay = reconnectDelay(Math.max(1, failures), this.backoff, this.random);
    this.logger.log(
      'warn',
      'mqtt',
      `${connection.label}: ${failure.message}; retrying in ${delay} ms (attempt ${attempt})`,
    );
    this.setState(connection, {
      status: 'reconnecting',
      attempt,
      retryAt: this.clock.now() + delay,
      lastError: failure,
    });
    connection.retryTimer = this.clock.setTimeout(() => void this.attempt(connection, attempt), delay);
  }

  private fail(connection: Connection, failure: ConnectionFailure): void {
    const client = this.stop(connection, failure.message, failure);
    if (client) void endClient(client, true);
    this.logger.log('error', 'mqtt', `${connection.label}: ${failure.message}`);
    this.setState(connection, { status: 'failed', error: failure });
  }

  /** Cancels the attempt and timers, rejects waiters and open requests; returns the client to close. */
  private stop(connection: Connection, reason: string, failure?: ConnectionFailure): MqttClient | undefined {
    connection.generation += 1;
    connection.retryTimer?.dispose();
    connection.retryTimer = undefined;
    const client = connection.client;
    connection.client = undefined;
    const error = new MqttConnectionError(failure ?? { code: 'NETWORK', message: reason });
    for (const waiter of connection.connectWaiters.splice(0)) waiter.reject(error);
    for (const pending of [...connection.openRequests]) {
      pending.refuse(
        new NiceProtocolError('UNAVAILABLE', `connection ${connection.label} closed: ${reason}`),
      );
    }
    for (const subscription of connection.subscriptions.values()) {
      subscription.grantedOn = undefined;
      subscription.inFlightOn = undefined;
    }
    return client;
  }

  private setState(connection: Connection, state: ConnectionState): void {
    connection.state = state;
    if (state.status === 'connected') {
      this.logger.log('info', 'mqtt', `${connection.label} connected`);
    }
    for (const listener of [...this.stateListeners]) {
      try {
        listener({ profileId: connection.profileId, state });
      } catch (error) {
        this.logger.log('error', 'mqtt', 'a connection state listener failed', errorStack(error));
      }
    }
  }

  private assertOpen(): void {
    if (this.disposed) throw new Error('the MQTT hub has been disposed');
  }

  // ---- subscriptions ----

  private subscriptionFor(connection: Connection, filter: string): Subscription {
    let subscription = connection.subscriptions.get(filter);
    if (!subscription) {
      subscription = {
        filter,
        listeners: new Set(),
        pending: new Map(),
        requestRefs: 0,
        requestedQos: -1,
        waiters: [],
      };
      connection.subscriptions.set(filter, subscription);
    }
    subscription.linger?.dispose();
    subscription.linger = undefined;
    return subscription;
  }

  private acquireResponseTopic(connection: Connection, topic: string): Subscription {
    const subscription = this.subscriptionFor(connection, topic);
    subscription.requestRefs += 1;
    return subscription;
  }

  private releaseResponseTopic(connection: Connection, subscription: Subscription): void {
    subscription.requestRefs -= 1;
    if (subscription.requestRefs > 0 || subscription.listeners.size > 0) return;
    subscription.linger?.dispose();
    subscription.linger = this.clock.setTimeout(() => {
      subscription.linger = undefined;
      this.maybeUnsubscribe(connection, subscription);
    }, this.lingerMs);
  }

  private maybeUnsubscribe(connection: Connection, subscription: Subscription): void {
    if (subscription.listeners.size > 0 || subscription.requestRefs > 0 || subscription.linger) return;
    if (connection.subscriptions.get(subscription.filter) !== subscription) return;
    connection.subscriptions.delete(subscription.filter);
    const client = connection.client;
    if (client && connection.state.status === 'connected' && subscription.requestedQos >= 0) {
      client.unsubscribe(subscription.filter, (error) => {
        if (error)
          this.logger.log('debug', 'mqtt', `unsubscribe ${subscription.filter} failed: ${error.message}`);
      });
    }
  }

  /** Resolves when the subscription is granted on the current client, subscribing if needed. */
  private whenGranted(connection: Connection, subscription: Subscription): Promise<void> {
    const wanted = wantedQos(subscription);
    const client = connection.client;
    if (client && subscription.grantedOn === client && subscription.requestedQos >= wanted)
      return Promise.resolve();
    const granted = new Promise<void>((resolve, reject) => subscription.waiters.push({ resolve, reject }));
    if (client && connection.state.status === 'connected')
      this.sendSubscribe(connection, client, [subscription]);
    return granted;
  }

  private resubscribeAll(connection: Connection, client: MqttClient): void {
    const all = [...connection.subscriptions.values()];
    if (all.length > 0) this.sendSubscribe(connection, client, all);
  }

  private sendSubscribe(connection: Connection, client: MqttClient, subscriptions: Subscription[]): void {
    const batch = subscriptions.filter(
      (subscription) =>
        !(subscription.inFlightOn === client && subscription.requestedQos >= wantedQos(subscription)) &&
        !(subscription.grantedOn === client && subscription.requestedQos >= wantedQos(subscription)),
    );
    if (batch.length === 0) return;
    const map: Record<string, IClientSubscribeOptions> = {};
    for (const subscription of batch) {
      subscription.requestedQos = wantedQos(subscription);
      subscription.inFlightOn = client;
      map[subscription.filter] = { qos: subscription.requestedQos as Qos };
    }
    client.subscribe(map, (error, granted) => {
      if (client !== connection.client) return; // the connection moved on; resubscribeAll covers it
      for (const subscription of batch) {
        if (subscription.inFlightOn !== client) continue;
        subscription.inFlightOn = undefined;
        const grant = granted?.find((item) => item.topic === subscription.filter);
        const refused = error !== null || !grant || grant.qos >= 0x80;
        if (refused) {
          const reason = error?.message ?? `SUBACK reason code ${grant?.qos ?? 'missing'}`;
          this.logger.log(
            'warn',
            'mqtt',
            `${connection.label}: the broker refused the subscription to ${subscription.filter} (${reason})`,
          );
          const failure = new NiceProtocolError(
            'UNAVAILABLE',
            `the broker refused the subscription to ${subscription.filter} (${reason})`,
          );
          for (const waiter of subscription.waiters.splice(0)) waiter.reject(failure);
        } else {
          subscription.grantedOn = client;
          for (const waiter of subscription.waiters.splice(0)) waiter.resolve();
        }
      }
    });
  }

  private dispatch(connection: Connection, topic: string, payload: Buffer): void {
    for (const subscription of connection.subscriptions.values()) {
      if (!topicMatches(subscription.filter, topic)) continue;
      if (subscription.pending.size > 0) this.matchResponse(connection, subscription, payload);
      for (const listener of [...subscription.listeners]) {
        try {
          listener.onMessage(payload, topic);
        } catch (error) {
          this.logger.log('error', 'mqtt', `a handler of ${subscription.filter} failed`, errorStack(error));
        }
      }
    }
  }

  private matchResponse(connection: Connection, subscription: Subscription, payload: Buffer): void {
    let message: CmfRequest | CmfResponse;
    try {
      message = parseCmfMessage(payload);
    } catch (error) {
      this.logger.log(
        'debug',
        'mqtt',
        `${connection.label}: ignored a message on ${subscription.filter} that is not CMF: ${(error as Error).message}`,
      );
      return;
    }
    if (message.MessageType !== 'response') return;
    const waiting = subscription.pending.get(message.ReplyID);
    if (!waiting) return;
    for (const pending of waiting) {
      // Same endpoint pair as the request (v0.9) or swapped (NICE 1.1 peers): profile, CMF.
      if (isResponseTo(pending.request, message)) {
        pending.settle(message);
        return;
      }
    }
  }
}

function wantedQos(subscription: Subscription): number {
  let qos = 0;
  for (const listener of subscription.listeners) qos = Math.max(qos, listener.qos);
  return qos;
}

function endClient(client: MqttClient, force: boolean): Promise<void> {
  return new Promise((resolve) => {
    // Our listeners ignore an old client by generation; late errors of a closing client must
    // not go unhandled. MQTT.js's own listeners stay, it needs them to clean up.
    client.on('error', () => undefined);
    client.end(force, {}, () => resolve());
  });
}

function errorStack(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
