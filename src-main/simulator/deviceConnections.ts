import type { NiceEndpoint } from '../core/nice/niceEndpoint';
import type { Logger } from '../core/util/logger';
import { MqttEndpointLink } from '../services/nice/mqttEndpointLink';
import type { MqttSettings } from './deviceBootstrap';
import type { SwitchableTransport } from './deviceEndpoint';

/** The two connections of v0.9 §8.3. */
export type ConnectionRole = 'management' | 'accountService';

export interface DeviceConnectionsOptions {
  endpoint: NiceEndpoint;
  /** Where the endpoint's own requests go: the account service's connection while bound. */
  transport: SwitchableTransport;
  ca?: string | Buffer;
  logger: Logger;
  source: string;
}

interface Connection {
  link: MqttEndpointLink;
  settings: MqttSettings;
}

const sameAccount = (a: MqttSettings, b: MqttSettings): boolean =>
  a.url === b.url && a.username === b.username && a.clientId === b.clientId;

/**
 * A device's MQTT connections as v0.9 §8.3 lays them out: the one to the broker the LA named
 * (GetManagementEndPoint), subscribed to the device's management topic, and, once bound, another
 * to the AS's broker (SetManagementObject's NICEASEndPoint) with the management and control
 * topics, closed again on Release. An AS endpoint naming the very broker account and ClientID of
 * the first connection is the same connection, so it is reused rather than taken over.
 */
export class DeviceConnections {
  private management: Connection | undefined;
  private accountService: Connection | undefined;

  constructor(private readonly options: DeviceConnectionsOptions) {}

  /** The connection the device sends on: the AS's while bound, else the LA's. */
  get current(): Connection | undefined {
    return this.accountService ?? this.management;
  }

  /** Settings of both connections, for a reconnect after a drop. */
  get settings(): Partial<Record<ConnectionRole, MqttSettings>> {
    return {
      ...(this.management ? { management: this.management.settings } : {}),
      ...(this.accountService ? { accountService: this.accountService.settings } : {}),
    };
  }

  /** Opens (or replaces) the connection of `role`; `stale()` true afterwards drops it again. */
  async open(role: ConnectionRole, settings: MqttSettings, stale: () => boolean): Promise<void> {
    if (role === 'accountService' && this.management && sameAccount(this.management.settings, settings)) {
      await this.closeRole('accountService');
      await this.management.link.attach(this.options.endpoint, { control: true });
      this.options.transport.use(this.management.link);
      return;
    }
    const previous = role === 'management' ? this.management : this.accountService;
    if (previous && sameAccount(previous.settings, settings)) return;
    const link = await MqttEndpointLink.connect({
      ...settings,
      ...(this.options.ca !== undefined ? { ca: this.options.ca } : {}),
      reconnectPeriodMs: 1000,
      logger: this.options.logger,
      source: this.options.source,
    });
    if (stale()) {
      await link.close(true);
      return;
    }
    // v0.9 §8.3: management on the LA's connection; management and control on the AS's.
    await link.attach(this.options.endpoint, { control: role === 'accountService' });
    if (role === 'management') this.management = { link, settings };
    else this.accountService = { link, settings };
    this.options.transport.use(this.current?.link);
    if (previous) await previous.link.close().catch(() => undefined);
  }

  /** Closes the AS's connection (Release: the device must not connect to it any more). */
  async closeAccountService(): Promise<void> {
    await this.closeRole('accountService');
    if (this.management) await this.management.link.attach(this.options.endpoint, { control: false });
  }

  /** Closes both connections. */
  async closeAll(abrupt: boolean): Promise<void> {
    const links = [this.accountService?.link, this.management?.link];
    this.accountService = undefined;
    this.management = undefined;
    this.options.transport.use(undefined);
    await Promise.all(links.map((link) => link?.close(abrupt).catch(() => undefined)));
  }

  private async closeRole(role: ConnectionRole): Promise<void> {
    const connection = role === 'management' ? this.management : this.accountService;
    if (!connection) return;
    if (role === 'management') this.management = undefined;
    else this.accountService = undefined;
    this.options.transport.use(this.current?.link);
    await connection.link.close().catch(() => undefined);
  }
}
