import { z } from 'zod';

/**
 * The local site: the embedded MQTT broker, the embedded NICE account service and the
 * simulated cameras that main starts on this workstation when nothing else is configured.
 */
export const LocalSiteState = z.enum(['stopped', 'starting', 'running', 'stopping', 'failed']);
export type LocalSiteState = z.infer<typeof LocalSiteState>;

/** The embedded broker's listeners, as a user would type them into another MQTT client. */
export const EmbeddedBrokerInfo = z.strictObject({
  tcpUrl: z.string(),
  webSocketUrl: z.string(),
  /** mqtts:// listener, when TLS is on. */
  tlsUrl: z.string().nullable(),
  username: z.string(),
});
export type EmbeddedBrokerInfo = z.infer<typeof EmbeddedBrokerInfo>;

export const AccountServiceInfo = z.strictObject({
  endPointId: z.string(),
  /** HTTPS base URL devices are configured with: `https://host:port/1/{LA EndPointID}`. */
  bootstrapUrl: z.string(),
  pendingDevices: z.number().int().nonnegative(),
  boundDevices: z.number().int().nonnegative(),
  autoBind: z.boolean(),
});
export type AccountServiceInfo = z.infer<typeof AccountServiceInfo>;

export const SimulatorInfo = z.strictObject({
  running: z.boolean(),
  cameras: z.number().int().nonnegative(),
  /** Why the simulator process ended, when it ended on its own. */
  exitReason: z.string().nullable(),
});
export type SimulatorInfo = z.infer<typeof SimulatorInfo>;

/** Status of the local site (`localSite:getStatus`, event `localSite:changed`). */
export const LocalSiteStatus = z.strictObject({
  state: LocalSiteState,
  /** What went wrong, when `state` is `failed`. */
  error: z.string().nullable(),
  /** True until the operator has started or declined the local site once. */
  firstRun: z.boolean(),
  broker: EmbeddedBrokerInfo.nullable(),
  accountService: AccountServiceInfo.nullable(),
  simulator: SimulatorInfo.nullable(),
  /** The connection profile main created for the embedded broker. */
  profileId: z.string().nullable(),
});
export type LocalSiteStatus = z.infer<typeof LocalSiteStatus>;

export const GetLocalSiteStatusRequest = z.strictObject({});

/** Request of `localSite:start`: how many simulated cameras to run (0 for none). */
export const StartLocalSiteRequest = z.strictObject({
  cameras: z
    .number()
    .int()
    .min(0, { error: 'must be 0 or more' })
    .max(32, { error: 'must be 32 or fewer' })
    .default(4),
});
export type StartLocalSiteRequest = z.infer<typeof StartLocalSiteRequest>;

export const StopLocalSiteRequest = z.strictObject({});

/** Request of `localSite:declineFirstRun`: the operator will configure their own site. */
export const DeclineFirstRunRequest = z.strictObject({});

/** One device the account service knows. */
export const SiteDevice = z.strictObject({
  deviceId: z.string(),
  name: z.string().nullable(),
  binding: z.enum(['pending', 'bound', 'released']),
  /** Last time the device spoke to the account service (ms since the epoch). */
  lastSeenMs: z.number().nullable(),
  /** Whether the device holds an MQTT connection to the site's broker right now. */
  online: z.boolean(),
  nodes: z.array(z.string()),
});
export type SiteDevice = z.infer<typeof SiteDevice>;

export const ListSiteDevicesRequest = z.strictObject({});
export const ListSiteDevicesResponse = z.strictObject({ devices: z.array(SiteDevice) });
export type ListSiteDevicesResponse = z.infer<typeof ListSiteDevicesResponse>;
