import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseEndPointId } from '../../core/nice/endPointId';
import {
  generateEndpointKeyPair,
  parseEndpointPublicJwk,
  type EndpointPublicJwk,
} from '../../core/nice/endpointKeys';
import { NiceEndpoint, type TokenCheck } from '../../core/nice/niceEndpoint';
import { NiceProtocolError } from '../../core/nice/niceProtocolError';
import { issuedTokenCheck } from '../../core/nice/tokenCheck';
import { silentLogger, type Logger } from '../../core/util/logger';
import { MqttEndpointLink } from '../../services/nice/mqttEndpointLink';
import { openDatabase } from '../../services/store/database';
import { loadMigrations } from '../../services/store/migrations';
import type { SiteDevice } from '../../../src-shared/contract/localSiteContract';
import { AccountServiceStore, type SiteControlSession } from './accountServiceStore';
import { APP_TOKEN_API, appTokenHandler, checkAppAssertion } from './appTokens';
import { startBootstrapServer, type BootstrapServer } from './bootstrapServer';
import { controlObjectHandler } from './controlObject';
import { ControlSessions } from './controlSessions';
import { DeviceRegistry } from './deviceRegistry';
import type { DeviceBrokerAccount } from './endpointObjects';
import { LOG_SOURCE, describeError, type SiteContext, type SiteTiming } from './siteContext';
import { SiteTokens, type TokenGrant } from './siteTokens';

export type { SiteControlSession } from './accountServiceStore';
export { SiteDeviceError, type SiteDeviceErrorCode } from './deviceRegistry';

/** Options of startAccountService. */
export interface AccountServiceOptions {
  /** Its own SQLite file (':memory:' in unit tests), schema from resources/site-migrations. */
  databaseFile: string;
  /** The MQTT URL the AS itself connects to (mqtt://127.0.0.1:port). */
  brokerUrl: string;
  /** The AS's own broker account. */
  brokerUsername: string;
  brokerPassword: string;
  /** CA certificates when brokerUrl is mqtts:// or wss://. */
  brokerCa?: string | Buffer;
  /** What GetManagementEndPoint hands to devices (NetEndPoint MQTT scheme Authority/Username/Password). */
  deviceBroker: DeviceBrokerAccount;
  /** The LA's HTTPS listener (TLS 1.2+, core/nice/tlsProfile.ts); host 127.0.0.1 and port 0 by default. */
  https: { host?: string; port?: number; cert: string | Buffer; key: string | Buffer };
  /** Bind every device that asks without operator approval (default true). */
  autoBind?: boolean;
  /** Folder of the NNNN_name.sql migrations; found next to the app (resources/site-migrations) by default. */
  migrationsDir?: string;
  /** How long to wait on devices (tests shorten it). */
  timing?: Partial<SiteTiming>;
  logger?: Logger;
}

/** What startAccountService grants in a token; iss is always the account service. */
export type TokenGrantRequest = TokenGrant;

/** The running embedded NICE account service (LA and AS roles under one EndPointID). */
export interface AccountService {
  /** Persisted in its database: the same across restarts. */
  endPointId: string;
  publicJwk: EndpointPublicJwk;
  /** `https://127.0.0.1:port/1/{endPointId}`; devices POST `{bootstrapUrl}/management/GetManagementEndPoint`. */
  bootstrapUrl: string;
  /** Enrols an app (the console) so it may open control sessions; persisted. */
  registerApp(app: { endPointId: string; publicJwk: EndpointPublicJwk; name?: string }): void;
  /** Signs a token for an app in-process (no NICE command defines how an app obtains one). */
  issueToken(grant: TokenGrantRequest): Promise<string>;
  /** Refuses the token from now on; persisted; sent to devices in the next SetManagementObject. */
  revokeToken(jti: string): void;
  /** The registry's view; whether a device is online is the broker's to say (LocalSite). */
  listDevices(): Omit<SiteDevice, 'online'>[];
  /** Control sessions brokered so far, oldest first. */
  listSessions(): SiteControlSession[];
  /** The key the device offered in GetManagementEndPoint; undefined when it gave none. */
  devicePublicJwk(deviceId: string): EndpointPublicJwk | undefined;
  /** Whether the device asked this site, with or without a key. */
  knowsDevice(deviceId: string): boolean;
  /** SetManagementObject Bind over MQTT (operator approval); rejects with SiteDeviceError. */
  bind(deviceId: string): Promise<void>;
  /** SetManagementObject Release; rejects with SiteDeviceError. */
  release(deviceId: string): Promise<void>;
  /** Called whenever devices or sessions changed; returns the unsubscribe function. */
  onDidChange(listener: () => void): () => void;
  close(): Promise<void>;
}

// Short attempts cost nothing: a resend reuses the CommandID, so a late answer to the first
// attempt still settles the call, and a device that subscribes late is reached sooner.
const DEFAULT_TIMING: SiteTiming = { callTimeoutMs: 1_000, retryWindowMs: 10_000 };

/** How often expired token ids are forgotten and expired sessions closed. */
const MAINTENANCE_INTERVAL_MS = 60 * 1000;

/** resources/site-migrations, looked for above this module (source tree and built out/main alike). */
export function defaultSiteMigrationsDir(): string {
  let folder = import.meta.dirname;
  for (let depth = 0; depth < 6; depth++) {
    const candidate = join(folder, 'resources', 'site-migrations');
    if (existsSync(candidate)) return candidate;
    folder = dirname(folder);
  }
  throw new Error('resources/site-migrations not found; pass migrationsDir');
}

/**
 * Starts the embedded NICE account service: its own SQLite database (identity, devices, apps,
 * token ids, control sessions), the LA as an HTTPS listener answering GetManagementEndPoint,
 * and the AS as a NICE endpoint on MQTT answering EstablishControlSession and
 * CloseControlSession and calling devices with SetManagementObject and SetControlObject.
 */
export async function startAccountService(options: AccountServiceOptions): Promise<AccountService> {
  const logger = options.logger ?? silentLogger;
  const timing: SiteTiming = { ...DEFAULT_TIMING, ...options.timing };
  const { db } = openDatabase(
    options.databaseFile,
    loadMigrations(options.migrationsDir ?? defaultSiteMigrationsDir()),
  );
  let link: MqttEndpointLink | undefined;
  let server: BootstrapServer | undefined;
  try {
    const store = new AccountServiceStore(db);
    store.pruneExpiredTokens();
    store.expireSessions();
    let identity = store.identity();
    if (!identity) {
      const endPointId = randomUUID();
      identity = store.saveIdentity({ endPointId, ...(await generateEndpointKeyPair(endPointId)) });
      logger.log('info', LOG_SOURCE, `created the account service identity ${identity.endPointId}`);
    }
    const { endPointId, publicJwk, privateJwk } = identity;
    const tokens = new SiteTokens(identity, store);
    const revoked = (jti: string): boolean => store.isRevoked(jti);
    const peerKey = (id: string): EndpointPublicJwk | undefined =>
      store.device(id)?.publicJwk ?? store.app(id)?.publicJwk;

    // The account service checks aud only where it is the token's target (profile "Tokens"):
    // EstablishControlSession, and GetControlObject, which a device asks with its DeviceToken.
    const anyToken = issuedTokenCheck({ issuerKey: () => publicJwk, revoked });
    const tokenForUs = issuedTokenCheck({ issuerKey: () => publicJwk, audience: endPointId, revoked });
    const targeted = new Set(['EstablishControlSession', 'GetControlObject']);
    const checkToken: TokenCheck = (token, context) => {
      const api = context.path.kind === 'management' ? context.path.api : '';
      // GetAccessToken carries the app's own assertion, signed with its registered key.
      if (api === APP_TOKEN_API) return checkAppAssertion({ store, identity }, token, context.request);
      return targeted.has(api) ? tokenForUs(token, context) : anyToken(token, context);
    };

    link = await MqttEndpointLink.connect({
      url: options.brokerUrl,
      username: options.brokerUsername,
      password: options.brokerPassword,
      clientId: `nice-as-${endPointId}`,
      ca: options.brokerCa,
      logger,
      source: LOG_SOURCE,
    });
    const endpoint = new NiceEndpoint({
      endPointId,
      privateJwk,
      peerKey,
      checkToken,
      nextCommandId: () => store.nextCommandId(),
      transport: link,
    });

    const abort = new AbortController();
    // Every call in flight listens on this one signal (a site binding many cameras at once).
    setMaxListeners(0, abort.signal);
    const tasks = new Set<Promise<void>>();
    const listeners = new Set<() => void>();
    const site: SiteContext = {
      identity,
      store,
      tokens,
      endpoint,
      deviceBroker: options.deviceBroker,
      timing,
      logger,
      signal: abort.signal,
      changed: () => {
        for (const listener of [...listeners]) {
          try {
            listener();
          } catch (error) {
            logger.log('warn', LOG_SOURCE, `a change listener failed: ${describeError(error)}`);
          }
        }
      },
      background: (name, task) => {
        if (abort.signal.aborted) return;
        const run: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
          .then(() => (abort.signal.aborted ? undefined : task()))
          .catch((error: unknown) => {
            if (!abort.signal.aborted)
              logger.log('warn', LOG_SOURCE, `${name} failed: ${describeError(error)}`);
          })
          .finally(() => tasks.delete(run));
        tasks.add(run);
      },
    };

    let origin = '';
    const registry = new DeviceRegistry(site, {
      autoBind: options.autoBind ?? true,
      bootstrapOrigin: () => origin,
    });
    const sessions = new ControlSessions(site);
    endpoint.handle('EstablishControlSession', sessions.establish);
    endpoint.handle('CloseControlSession', sessions.close);
    endpoint.handle('GetControlObject', controlObjectHandler(site));
    endpoint.handle(APP_TOKEN_API, appTokenHandler(site));
    await link.attach(endpoint);

    // The LA shares the identity but answers only over HTTPS, so it is an endpoint of its own.
    const laEndpoint = new NiceEndpoint({
      endPointId,
      privateJwk,
      peerKey,
      checkToken: issuedTokenCheck({ issuerKey: () => publicJwk, revoked, open: ['GetManagementEndPoint'] }),
      nextCommandId: () => store.nextCommandId(),
      transport: {
        send: () => Promise.reject(new Error('the LA answers over HTTPS only')),
      },
    });
    laEndpoint.handle('GetManagementEndPoint', registry.getManagementEndPoint);
    server = await startBootstrapServer({
      endPointId,
      host: options.https.host ?? '127.0.0.1',
      port: options.https.port ?? 0,
      cert: options.https.cert,
      key: options.https.key,
      answer: (request) => laEndpoint.answer(request),
      logger,
    });
    origin = server.origin;
    const maintenanceTimer = setInterval(() => {
      store.pruneExpiredTokens();
      if (store.expireSessions() > 0) site.changed();
    }, MAINTENANCE_INTERVAL_MS);
    maintenanceTimer.unref();
    logger.log('info', LOG_SOURCE, `account service ${endPointId} listening on ${origin}`);

    const openLink = link;
    const openServer = server;
    let closed = false;
    return {
      endPointId,
      publicJwk,
      bootstrapUrl: `${origin}/1/${endPointId}`,
      registerApp: (app) => {
        const appId = parseEndPointId(app.endPointId, 'endPointId');
        const appKey = parseEndpointPublicJwk(app.publicJwk, 'publicJwk');
        if (appKey.kid !== appId)
          throw new NiceProtocolError('MALFORMED', 'must equal endPointId', 'publicJwk.kid');
        store.upsertApp({ appId, name: app.name ?? null, publicJwk: appKey });
      },
      issueToken: (grant) => tokens.issue(grant),
      revokeToken: (jti) => {
        store.revokeToken(jti);
        tokens.forgetCallTokens();
      },
      listDevices: () => store.devices().map(({ publicJwk: _key, ...device }) => device),
      listSessions: () => store.sessions(),
      devicePublicJwk: (deviceId) => store.device(deviceId.toLowerCase())?.publicJwk ?? undefined,
      knowsDevice: (deviceId) => store.device(deviceId.toLowerCase()) !== undefined,
      bind: (deviceId) => registry.bind(deviceId),
      release: (deviceId) => registry.release(deviceId),
      onDidChange: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      close: async () => {
        if (closed) return;
        closed = true;
        clearInterval(maintenanceTimer);
        abort.abort();
        listeners.clear();
        await openServer.close();
        await openLink.close(true);
        await Promise.allSettled([...tasks]);
        db.close();
        logger.log('info', LOG_SOURCE, `account service ${endPointId} stopped`);
      },
    };
  } catch (error) {
    await server?.close().catch(() => undefined);
    await link?.close(true).catch(() => undefined);
    db.close();
    throw error;
  }
}
