import { randomUUID } from 'node:crypto';
import type { AccessTokenClaims } from '../../src-main/core/nice/accessToken';
import {
  buildCmfRequest,
  CommandIdSequence,
  type CmfRequest,
  type CmfResponse,
} from '../../src-main/core/nice/cmf';
import { managementPath } from '../../src-main/core/nice/destinationId';
import {
  generateEndpointKeyPair,
  parseEndpointPublicJwk,
  type EndpointKeyPair,
  type EndpointPublicJwk,
} from '../../src-main/core/nice/endpointKeys';
import { NiceEndpoint, type CallResult } from '../../src-main/core/nice/niceEndpoint';
import { issuedTokenCheck } from '../../src-main/core/nice/tokenCheck';
import { MqttEndpointLink } from '../../src-main/services/nice/mqttEndpointLink';
import { WebApiClient, WebApiHttpError } from '../../src-main/services/webapi/webApiClient';

/** One request the device double received and accepted (token verified, body decrypted). */
export interface ReceivedCommand {
  api: string;
  body: Record<string, unknown>;
  claims: AccessTokenClaims | null;
  request: CmfRequest;
}

/** What a GetManagementEndPoint POST came back with, whatever its status. */
export interface BootstrapExchange {
  status: number;
  response: CmfResponse | undefined;
  /** The decoded plain body of a successful reply. */
  body: Record<string, unknown> | undefined;
  /** The JSON error body of a failure that came before a CMF response could be made. */
  errorText?: string;
}

/** The LA EndPointID is the last segment of a bootstrap URL `https://host:port/1/{id}`. */
function laIdOf(bootstrapUrl: string): string {
  const id = new URL(bootstrapUrl).pathname.split('/').filter(Boolean).at(-1);
  if (!id) throw new Error(`no LA EndPointID in ${bootstrapUrl}`);
  return id;
}

/**
 * POSTs GetManagementEndPoint with any inner body (plain, no token, as a device does before it
 * knows anybody's key) and returns the outcome without throwing on an error status.
 */
export async function postGetManagementEndPoint(
  bootstrapUrl: string,
  ca: string | Buffer,
  body: unknown,
  options: { source?: string; commandId?: number } = {},
): Promise<BootstrapExchange> {
  const laId = laIdOf(bootstrapUrl);
  const client = new WebApiClient({ ca });
  const request = buildCmfRequest({
    source: options.source ?? randomUUID(),
    destination: laId,
    commandType: `1/${laId}/management/GetManagementEndPoint`,
    commandId: options.commandId ?? 0,
    accessToken: '',
    encryptionOn: false,
    body: JSON.stringify(body),
  });
  try {
    const exchange = await client.postCmf(`${bootstrapUrl}/management/GetManagementEndPoint`, request);
    return {
      status: exchange.status,
      response: exchange.response,
      body: JSON.parse(exchange.response.Payload.Body) as Record<string, unknown>,
    };
  } catch (error) {
    if (error instanceof WebApiHttpError) {
      return { status: error.status, response: error.cmfResponse, body: undefined, errorText: error.body };
    }
    throw error;
  } finally {
    client.close();
  }
}

/** Options of a device double. */
export interface TestDeviceOptions {
  bootstrapUrl: string;
  /** CA that signed the LA's certificate. */
  ca: string | Buffer;
  /** Reuse an identity, as a device that restarts does. */
  keys?: EndpointKeyPair;
  name?: string;
  nodeIds?: string[];
  /** Leave SetControlObject unanswered, like a device that went quiet. */
  silentControl?: boolean;
  /** First CommandID (a restarted device must not reuse the IDs of its previous run). */
  firstCommandId?: number;
}

interface SchemeObject {
  Authority: string;
  Username?: string;
  Password?: string;
  ClientID?: string;
}

/**
 * A NICE device as the account service sees it, built from the real NiceEndpoint and
 * MqttEndpointLink: it POSTs GetManagementEndPoint over HTTPS, connects to the broker it is told
 * with the account and ClientID it is given, and answers SetManagementObject and SetControlObject.
 * Before binding it accepts only requests whose token the AS from its ManagementEndPoint signed;
 * after Bind, the key from NICEASEndPoint.
 */
export class TestDevice {
  readonly received: ReceivedCommand[] = [];
  bound = false;
  private asKey: EndpointPublicJwk;
  private readonly waiters = new Set<() => void>();

  private constructor(
    readonly deviceId: string,
    readonly keys: EndpointKeyPair,
    readonly asId: string,
    asKey: EndpointPublicJwk,
    /** The decoded GetManagementEndPoint reply. */
    readonly bootstrap: Record<string, unknown>,
    private readonly endpoint: NiceEndpoint,
    private readonly link: MqttEndpointLink,
  ) {
    this.asKey = asKey;
  }

  /** Bootstraps against the LA, connects to the broker it names and waits for commands. */
  static async start(options: TestDeviceOptions): Promise<TestDevice> {
    const keys = options.keys ?? (await generateEndpointKeyPair(randomUUID()));
    const deviceId = keys.publicJwk.kid;
    const ids = new CommandIdSequence(options.firstCommandId ?? 0);
    const exchange = await postGetManagementEndPoint(
      options.bootstrapUrl,
      options.ca,
      {
        Version: '1.0',
        DeviceID: deviceId,
        ...(options.name ? { DeviceName: options.name } : {}),
        DeviceJWK: keys.publicJwk,
        ...(options.nodeIds ? { NodeIDs: options.nodeIds } : {}),
      },
      { source: deviceId, commandId: ids.next() },
    );
    if (exchange.status !== 200 || !exchange.body) {
      throw new Error(
        `GetManagementEndPoint answered ${exchange.status}: ${exchange.response?.ReplyStatusMessage}`,
      );
    }
    const management = exchange.body.ManagementEndPoint as {
      AppEndPoint: { EndPointID: string; JWK: unknown };
      NetEndPoint: { Scheme: SchemeObject[] };
    };
    const asId = management.AppEndPoint.EndPointID;
    const asKey = parseEndpointPublicJwk(management.AppEndPoint.JWK, 'ManagementEndPoint.AppEndPoint.JWK');
    const scheme = management.NetEndPoint.Scheme[0];
    if (!scheme) throw new Error('ManagementEndPoint names no broker');
    const link = await MqttEndpointLink.connect({
      url: scheme.Authority,
      username: scheme.Username,
      password: scheme.Password,
      clientId: scheme.ClientID,
      reconnectPeriodMs: 0,
    });
    const holder: { device?: TestDevice } = {};
    const endpoint = new NiceEndpoint({
      endPointId: deviceId,
      privateJwk: keys.privateJwk,
      peerKey: (id) => (id === holder.device?.asId ? holder.device.asKey : undefined),
      checkToken: issuedTokenCheck({ issuerKey: () => holder.device?.asKey, audience: deviceId }),
      nextCommandId: () => ids.next(),
      transport: link,
    });
    const device = new TestDevice(deviceId, keys, asId, asKey, exchange.body, endpoint, link);
    holder.device = device;
    device.install(options.silentControl ?? false);
    await link.attach(endpoint);
    return device;
  }

  /** The device's DeviceToken from GetManagementEndPoint. */
  get deviceToken(): string {
    return String(this.bootstrap.DeviceToken);
  }

  /** Waits until a received command of `api` matches `predicate`, and returns it. */
  async waitFor(
    api: string,
    predicate: (command: ReceivedCommand) => boolean = () => true,
    timeoutMs = 8_000,
  ): Promise<ReceivedCommand> {
    const find = (): ReceivedCommand | undefined =>
      this.received.find((command) => command.api === api && predicate(command));
    const found = find();
    if (found) return found;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`device ${this.deviceId} received no matching ${api} within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = (): void => {
        const match = find();
        if (!match) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(match);
      };
      this.waiters.add(check);
    });
  }

  /** Calls the account service (CloseControlSession …) with the DeviceToken by default. */
  callAccountService(api: string, body: unknown, accessToken = this.deviceToken): Promise<CallResult> {
    return this.endpoint.call({ path: managementPath(this.asId, api), body, accessToken, timeoutMs: 3_000 });
  }

  async close(): Promise<void> {
    await this.link.close(true);
  }

  private record(command: ReceivedCommand): void {
    this.received.push(command);
    for (const waiter of [...this.waiters]) waiter();
  }

  private install(silentControl: boolean): void {
    this.endpoint.handle('SetManagementObject', ({ request, body, claims }) => {
      if (request.SourceEndPointID !== this.asId) return { status: 403, message: 'not my account service' };
      const inner = body as {
        Action?: string;
        NICEAS?: { NICEASEndPoint?: { AppEndPoint?: { JWK?: unknown } } };
      };
      this.record({ api: 'SetManagementObject', body: body as Record<string, unknown>, claims, request });
      if (inner.Action === 'Bind') {
        const jwk = inner.NICEAS?.NICEASEndPoint?.AppEndPoint?.JWK;
        if (jwk) this.asKey = parseEndpointPublicJwk(jwk, 'NICEAS.NICEASEndPoint.AppEndPoint.JWK');
        this.bound = true;
        return { body: { Version: '1.0', DeviceID: this.deviceId, Result: 'Bound' } };
      }
      if (inner.Action === 'Release') {
        this.bound = false;
        return { body: { Version: '1.0', DeviceID: this.deviceId, Result: 'Released' } };
      }
      return { status: 400, message: 'Action: must be Bind or Release' };
    });
    this.endpoint.handle('SetControlObject', ({ request, body, claims }) => {
      if (!this.bound) return { status: 403, message: 'not bound to an account service' };
      this.record({ api: 'SetControlObject', body: body as Record<string, unknown>, claims, request });
      if (silentControl) return { noResponse: true };
      const session = (body as { ControlSession?: { SessionID?: string; Action?: string } }).ControlSession;
      return {
        body: {
          Version: '1.0',
          SessionID: session?.SessionID,
          Result: session?.Action === 'Open' ? 'Opening' : 'Closed',
        },
      };
    });
  }
}
