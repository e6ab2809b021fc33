import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type {
  LocalSiteStatus,
  SiteDevice,
  StartLocalSiteRequest,
} from '../../../src-shared/contract/localSiteContract';
import type { Permission } from '../../core/nice/accessToken';
import type { EndpointPublicJwk } from '../../core/nice/endpointKeys';
import type { Disposable } from '../../core/util/disposable';
import type { Logger } from '../../core/util/logger';
import { ContractFailure } from '../../services/contract/contractFailure';
import type { ConnectionsService } from '../../services/connections/connectionsService';
import type { ConsoleIdentityService } from '../../services/identity/consoleIdentityService';
import type { CommandCredentials } from '../../services/commands/commandCredentials';
import type { SessionCredentials } from '../../services/sessions/sessionCredentials';
import { startAccountService, type AccountService } from '../accountService/accountService';
import { startEmbeddedBroker, type EmbeddedBroker } from '../broker/embeddedBroker';
import type { LocalSitePreferencesRepository } from './localSitePreferences';
import { createSiteCertificate } from './siteCertificate';
import { SimulatorHost, type SimulatedVideo, type SimulatorEntry } from './simulatorHost';

export interface LocalSiteOptions {
  dataDir: string;
  /** resources/site-migrations: the account service's schema. */
  siteMigrationsDir: string;
  preferences: LocalSitePreferencesRepository;
  connections: ConnectionsService;
  identity: ConsoleIdentityService;
  logger: Logger;
  publish: (status: LocalSiteStatus) => void;
  /** The simulator's process entry (tests run it from source). */
  simulatorEntry?: SimulatorEntry;
  video?: SimulatedVideo;
  /** The console's HTTPS data endpoint, started with the site's certificate while it runs. */
  dataReceiver?: {
    start(tls: { cert: string; key: string }, credentials: SessionCredentials): Promise<string>;
    stop(): Promise<void>;
  };
}

interface Running {
  broker: EmbeddedBroker;
  /** MQTT ClientIDs connected to the broker: devices use their DeviceID. */
  clients: Set<string>;
  /** The console's tokens by grant (see tokenFor). */
  tokens: Map<string, { token: Promise<string>; refreshAtMs: number }>;
  accountService: AccountService;
  profileId: string;
  unsubscribe: () => void;
}

const PROFILE_NAME = 'Local site (embedded broker)';
const CONSOLE_USER = 'console';
const password = (): string => randomBytes(24).toString('base64url');

/**
 * The local site (issue #4): the embedded MQTT broker, the embedded NICE account service and
 * the simulated cameras, started and stopped together on this workstation. The console reaches
 * them like any other site: through a connection profile for the broker and NICE commands to
 * the account service; only its tokens come in-process (SessionCredentials).
 */
export class LocalSite implements SessionCredentials, CommandCredentials, Disposable {
  private running: Running | undefined;
  private transition: Promise<LocalSiteStatus> | undefined;
  private state: LocalSiteStatus['state'] = 'stopped';
  private error: string | null = null;
  private simulatorExit: string | null = null;
  private readonly simulator: SimulatorHost;
  private readonly bound = new Set<string>();
  private readonly boundListeners = new Set<(device: SiteDevice) => void>();

  constructor(private readonly options: LocalSiteOptions) {
    this.simulator = new SimulatorHost(
      options.logger,
      (reason) => {
        this.simulatorExit = reason;
        options.logger.log('error', 'local-site', `the simulator process ${reason}`);
        this.changed();
      },
      options.simulatorEntry,
    );
  }

  status(): LocalSiteStatus {
    const running = this.running;
    const devices = running?.accountService.listDevices() ?? [];
    return {
      state: this.state,
      error: this.error,
      firstRun: !this.options.preferences.get().firstRunDone,
      broker: running
        ? {
            tcpUrl: running.broker.tcpUrl,
            webSocketUrl: running.broker.webSocketUrl,
            tlsUrl: running.broker.tlsUrl,
            username: CONSOLE_USER,
          }
        : null,
      accountService: running
        ? {
            endPointId: running.accountService.endPointId,
            bootstrapUrl: running.accountService.bootstrapUrl,
            pendingDevices: devices.filter((device) => device.binding === 'pending').length,
            boundDevices: devices.filter((device) => device.binding === 'bound').length,
            autoBind: true,
          }
        : null,
      simulator:
        running || this.simulatorExit
          ? {
              running: this.simulator.running,
              cameras: this.simulator.cameras.length,
              exitReason: this.simulatorExit,
            }
          : null,
      profileId: running?.profileId ?? null,
    };
  }

  /** Called once per start of the site for each device that becomes bound. */
  onDeviceBound(listener: (device: SiteDevice) => void): Disposable {
    this.boundListeners.add(listener);
    return { dispose: () => this.boundListeners.delete(listener) };
  }

  listDevices(): { devices: SiteDevice[] } {
    const running = this.running;
    if (!running) return { devices: [] };
    return {
      devices: running.accountService.listDevices().map((device) => {
        // The account service hears from a device at bootstrap, binding and sessions; the broker
        // on every packet, keepalive pings included: a connected device was seen just now.
        const heard = running.broker.lastHeardFrom(device.deviceId);
        return {
          ...device,
          online: running.clients.has(device.deviceId),
          lastSeenMs: heard === undefined ? device.lastSeenMs : Math.max(heard, device.lastSeenMs ?? 0),
        };
      }),
    };
  }

  /** Starts the site if the operator left it running last time. */
  async autostart(): Promise<void> {
    const preferences = this.options.preferences.get();
    if (!preferences.autostart) return;
    await this.start({ cameras: preferences.cameras }).catch(() => undefined);
  }

  start(request: StartLocalSiteRequest): Promise<LocalSiteStatus> {
    if (this.transition) throw new ContractFailure('CONFLICT', `the local site is ${this.state}`);
    if (this.running) throw new ContractFailure('CONFLICT', 'the local site is already running');
    this.transition = this.doStart(request.cameras).finally(() => (this.transition = undefined));
    return this.transition;
  }

  stop(): Promise<LocalSiteStatus> {
    if (this.transition) throw new ContractFailure('CONFLICT', `the local site is ${this.state}`);
    this.transition = this.doStop(true).finally(() => (this.transition = undefined));
    return this.transition;
  }

  declineFirstRun(): LocalSiteStatus {
    this.options.preferences.update({ firstRunDone: true });
    this.changed();
    return this.status();
  }

  /** Sends a fault switch to one simulated camera (tests). */
  fault(cameraIndex: number, fault: unknown): void {
    this.simulator.fault(cameraIndex, fault);
  }

  // SessionCredentials: the embedded account service hands the console its tokens in-process.
  profileId(): string | undefined {
    return this.running?.profileId;
  }

  accountService(): { endPointId: string; publicJwk: EndpointPublicJwk } | undefined {
    const accountService = this.running?.accountService;
    return accountService
      ? { endPointId: accountService.endPointId, publicJwk: accountService.publicJwk }
      : undefined;
  }

  devicePublicJwk(deviceId: string): EndpointPublicJwk | undefined {
    return this.running?.accountService.devicePublicJwk(deviceId);
  }

  knowsDevice(deviceId: string): boolean {
    return this.running?.accountService.knowsDevice(deviceId) ?? false;
  }

  async tokenFor(grant: {
    aud: string | string[];
    permissions: Permission[];
    nodeIds?: string[];
  }): Promise<string> {
    const running = this.running;
    if (!running) throw new ContractFailure('UNAVAILABLE', 'the local site is not running');
    // One token per grant, reused until 10 minutes before it expires: every signaling message
    // needs one, and each issue is a signature and a row in the account service's database.
    const key = JSON.stringify([grant.aud, [...grant.permissions].sort(), grant.nodeIds ?? null]);
    const cached = running.tokens.get(key);
    if (cached && cached.refreshAtMs > Date.now()) return cached.token;
    // The promise is cached, so signals sent at once share one issue.
    const token = this.options.identity
      .identity()
      .then(({ endPointId }) =>
        running.accountService.issueToken({ sub: endPointId, ...grant, expiresInSec: 3600 }),
      );
    running.tokens.set(key, { token, refreshAtMs: Date.now() + 50 * 60 * 1000 });
    token.catch(() => running.tokens.delete(key));
    return token;
  }

  // CommandCredentials: the command console's tokens and keys for this site's parties.
  async commandTokenFor(
    target: string,
    permission: Permission,
    nodeId?: string,
  ): Promise<string | undefined> {
    const running = this.running;
    if (!running) return undefined;
    const id = target.toLowerCase();
    if (id === running.accountService.endPointId)
      return this.tokenFor({ aud: id, permissions: [permission] });
    const device = running.accountService.listDevices().find((entry) => entry.deviceId === id);
    if (device?.binding !== 'bound') return undefined;
    return this.tokenFor({ aud: id, permissions: [permission], ...(nodeId ? { nodeIds: [nodeId] } : {}) });
  }

  publicJwkOf(target: string): EndpointPublicJwk | undefined {
    const accountService = this.running?.accountService;
    if (!accountService) return undefined;
    const id = target.toLowerCase();
    return id === accountService.endPointId ? accountService.publicJwk : accountService.devicePublicJwk(id);
  }

  /** The Bearer token a device presents to the console's HTTPS data endpoint (Data, 24 h). */
  async dataTokenFor(deviceId: string): Promise<string> {
    const running = this.running;
    if (!running) throw new ContractFailure('UNAVAILABLE', 'the local site is not running');
    const { endPointId } = await this.options.identity.identity();
    return running.accountService.issueToken({
      sub: deviceId,
      aud: endPointId,
      permissions: ['Data'],
      expiresInSec: 24 * 60 * 60,
    });
  }

  async dispose(): Promise<void> {
    await this.transition?.catch(() => undefined);
    await this.doStop(false);
  }

  private async doStart(cameras: number): Promise<LocalSiteStatus> {
    const { logger, preferences, connections, identity, dataDir } = this.options;
    this.setState('starting', null);
    this.simulatorExit = null;
    let broker: EmbeddedBroker | undefined;
    let accountService: AccountService | undefined;
    try {
      const siteDir = join(dataDir, 'local-site');
      mkdirSync(siteDir, { recursive: true, mode: 0o700 });
      const certificate = await createSiteCertificate();
      const consolePassword = password();
      const devicePassword = password();
      const servicePassword = password();
      broker = await startEmbeddedBroker({
        credentials: [
          { username: CONSOLE_USER, password: consolePassword },
          { username: 'devices', password: devicePassword },
          { username: 'account-service', password: servicePassword },
        ],
        // MQTTS for clients that want TLS; the site's own parties use TCP on loopback.
        tls: { cert: certificate.cert, key: certificate.key },
        logger,
      });
      accountService = await startAccountService({
        databaseFile: join(siteDir, 'account-service.sqlite'),
        brokerUrl: broker.tcpUrl,
        brokerUsername: 'account-service',
        brokerPassword: servicePassword,
        deviceBroker: { url: broker.tcpUrl, username: 'devices', password: devicePassword },
        https: { cert: certificate.cert, key: certificate.key },
        autoBind: true,
        migrationsDir: this.options.siteMigrationsDir,
        logger,
      });
      const me = await identity.identity();
      accountService.registerApp({
        endPointId: me.endPointId,
        publicJwk: me.publicJwk,
        name: 'NICE Console',
      });
      const profileId = await this.upsertProfile(broker.tcpUrl, consolePassword);
      const clients = new Set<string>();
      const connected = broker.onDidConnectClient(({ client }) => {
        clients.add(client.clientId.toLowerCase());
        this.changed();
      });
      const disconnected = broker.onDidDisconnectClient(({ client }) => {
        clients.delete(client.clientId.toLowerCase());
        this.changed();
      });
      const stopWatching = accountService.onDidChange(() => this.changed());
      const unsubscribe = (): void => {
        stopWatching();
        connected.dispose();
        disconnected.dispose();
      };
      this.running = { broker, clients, tokens: new Map(), accountService, profileId, unsubscribe };
      await this.options.dataReceiver?.start(certificate, this);
      const status = await connections.connect(profileId);
      if (status.state.status !== 'connected') {
        throw new Error(`the console could not connect to the embedded broker (${status.state.status})`);
      }
      if (cameras > 0) {
        await this.simulator.start({
          cameras,
          bootstrapUrl: accountService.bootstrapUrl,
          ca: certificate.cert,
          video: this.options.video ?? { width: 640, height: 360, fps: 30 },
          stateDir: siteDir,
        });
      }
      preferences.update({ firstRunDone: true, autostart: true, cameras, profileId });
      logger.log(
        'info',
        'local-site',
        `local site running: broker ${broker.tcpUrl}, ${cameras} simulated cameras`,
      );
      this.setState('running', null);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      logger.log('error', 'local-site', `the local site did not start: ${message}`);
      await this.simulator.stop();
      this.running?.unsubscribe();
      this.running = undefined;
      await accountService?.close().catch(() => undefined);
      await broker?.close().catch(() => undefined);
      await this.options.dataReceiver?.stop().catch(() => undefined);
      this.setState('failed', message);
      throw new ContractFailure('UNAVAILABLE', `the local site did not start: ${message}`);
    }
    return this.status();
  }

  private async doStop(byOperator: boolean): Promise<LocalSiteStatus> {
    const running = this.running;
    if (!running) {
      this.setState('stopped', null);
      return this.status();
    }
    this.setState('stopping', null);
    await this.simulator.stop();
    running.unsubscribe();
    await this.options.connections.disconnect(running.profileId).catch(() => undefined);
    this.running = undefined;
    this.bound.clear();
    await running.accountService.close().catch(() => undefined);
    await running.broker.close().catch(() => undefined);
    await this.options.dataReceiver?.stop().catch(() => undefined);
    if (byOperator) this.options.preferences.update({ autostart: false });
    this.setState('stopped', null);
    return this.status();
  }

  private async upsertProfile(url: string, secret: string): Promise<string> {
    const { connections, preferences } = this.options;
    const settings = {
      name: PROFILE_NAME,
      url,
      username: CONSOLE_USER,
      password: secret,
      protocolVersion: 4 as const,
      allowPlainBodies: true,
    };
    const known = preferences.get().profileId;
    if (known && connections.list().profiles.some((profile) => profile.id === known)) {
      await connections.update({ id: known, patch: settings });
      return known;
    }
    const created = await connections.create(settings);
    preferences.update({ profileId: created.id });
    return created.id;
  }

  private setState(state: LocalSiteStatus['state'], error: string | null): void {
    this.state = state;
    this.error = error;
    this.changed();
  }

  private changed(): void {
    this.options.publish(this.status());
    for (const device of this.listDevices().devices) {
      if (device.binding !== 'bound' || this.bound.has(device.deviceId)) continue;
      this.bound.add(device.deviceId);
      for (const listener of this.boundListeners) listener(device);
    }
  }
}
