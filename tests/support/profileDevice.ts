import { randomUUID } from 'node:crypto';
import type { JWK } from 'jose';
import {
  mqttSchemeOf,
  openBody,
  openProfileConnection,
  postJson,
  profileRequest,
  profileResponse,
  verifyProfileToken,
  type ProfileConnection,
  type ProfileMessage,
} from './profilePeer';

/** What a profile device answers for one API: a status and an inner body. */
export type ProfileHandler = (
  body: Record<string, unknown> | undefined,
  request: ProfileMessage,
) => { status: number; body?: Record<string, unknown> };

/** One request the device accepted (token verified with a key from an endpoint object). */
export interface ProfileDeviceRequest {
  api: string;
  connection: string;
  request: ProfileMessage;
  body: Record<string, unknown> | undefined;
}

/**
 * A NICE device built from the profile text alone that never tells anybody its key: it POSTs
 * GetManagementEndPoint with exactly `{"Version": "1.0", "DeviceID": "…"}`, connects to the
 * broker the ManagementEndPoint names, answers SetManagementObject, and after Bind opens the
 * second connection v0.9 §8.3 asks for, to the NICEASEndPoint's broker. Tokens are checked with
 * the issuer's JWK from the endpoint objects (LA key from GetManagementEndPoint, AS key from
 * SetManagementObject). Without a key of its own it can only take plain bodies.
 */
export class ProfileDevice {
  readonly received: ProfileDeviceRequest[] = [];
  /** Problems the device saw (bad tokens, encrypted bodies it cannot open). */
  readonly problems: string[] = [];
  readonly connections: ProfileConnection[] = [];
  readonly handlers = new Map<string, ProfileHandler>();
  /** The NICEAS of the last Bind. */
  accountService: { id: string; key: JWK; endpoint: unknown } | undefined;
  private readonly answered = new Map<string, ProfileMessage>();
  private commandId = 0;

  private constructor(
    readonly deviceId: string,
    /** The decoded GetManagementEndPoint reply. */
    readonly bootstrap: Record<string, unknown>,
  ) {
    this.handlers.set('SetManagementObject', (body) => this.manage(body));
  }

  /** POSTs the profile's exact GetManagementEndPoint body; throws unless it is answered 200. */
  static async start(
    bootstrapUrl: string,
    ca: string | Buffer,
    deviceId = randomUUID(),
  ): Promise<ProfileDevice> {
    const answer = await ProfileDevice.ask(bootstrapUrl, ca, deviceId, 0);
    const message = answer.json as ProfileMessage | undefined;
    if (answer.status !== 200 || !message)
      throw new Error(`GetManagementEndPoint: ${answer.status} ${answer.text}`);
    const reply = await openBody(message);
    if (!reply) throw new Error('GetManagementEndPoint came back with an empty body');
    const device = new ProfileDevice(deviceId, reply);
    device.commandId = 1;
    return device;
  }

  /** One GetManagementEndPoint POST (profile "Bootstrap": plain, no token, no Authorization). */
  static ask(bootstrapUrl: string, ca: string | Buffer, deviceId: string, commandId: number) {
    const laId = new URL(bootstrapUrl).pathname.split('/').filter(Boolean).at(-1) ?? '';
    const request = profileRequest({
      source: deviceId,
      destination: laId,
      commandType: `1/${laId}/management/GetManagementEndPoint`,
      commandId,
      accessToken: '',
      encryptionOn: false,
      body: JSON.stringify({ Version: '1.0', DeviceID: deviceId }),
    });
    return postJson(`${bootstrapUrl}/management/GetManagementEndPoint`, ca, JSON.stringify(request));
  }

  /** The ManagementEndPoint's AppEndPoint key and MQTT scheme. */
  get management(): { id: string; key: JWK | undefined; laKey: JWK | undefined } {
    const app = (this.bootstrap.ManagementEndPoint as { AppEndPoint: { EndPointID: string; JWK?: JWK } })
      .AppEndPoint;
    const la = (this.bootstrap.NICELAEndPoint as { AppEndPoint: { JWK?: JWK } }).AppEndPoint;
    return { id: app.EndPointID, key: app.JWK, laKey: la.JWK };
  }

  /** v0.9 §8.3 first connection: the broker of the ManagementEndPoint, management topic. */
  async connectManagement(): Promise<ProfileConnection> {
    return this.open(mqttSchemeOf(this.bootstrap.ManagementEndPoint), [`1/${this.deviceId}/management/+`]);
  }

  /** v0.9 §8.3 second connection, once bound: the NICEASEndPoint's broker, management and control. */
  async connectAccountService(): Promise<ProfileConnection> {
    if (!this.accountService) throw new Error('not bound');
    return this.open(mqttSchemeOf(this.accountService.endpoint), [
      `1/${this.deviceId}/management/+`,
      `1/${this.deviceId}/control/+/+`,
    ]);
  }

  /** Sends a request of its own (plain: it has nobody's key but the endpoint objects'). */
  async send(
    connection: ProfileConnection,
    topic: string,
    accessToken: string,
    body: unknown,
  ): Promise<number> {
    const commandId = this.commandId++;
    const destination = topic.split('/')[1] ?? '';
    const request = profileRequest({
      source: this.deviceId,
      destination,
      commandType: topic,
      commandId,
      accessToken,
      encryptionOn: false,
      body: JSON.stringify(body),
    });
    await connection.client.publishAsync(topic, JSON.stringify(request), { qos: 0 });
    return commandId;
  }

  async close(): Promise<void> {
    await Promise.all(this.connections.map((connection) => connection.client.endAsync(true)));
  }

  private async open(scheme: ReturnType<typeof mqttSchemeOf>, topics: string[]): Promise<ProfileConnection> {
    const connection = await openProfileConnection(scheme, topics, (topic, text, from) => {
      void this.onMessage(topic, text, from).catch((error: unknown) => this.problems.push(String(error)));
    });
    this.connections.push(connection);
    return connection;
  }

  private async onMessage(topic: string, text: string, connection: ProfileConnection): Promise<void> {
    const message = JSON.parse(text) as ProfileMessage;
    if (message.MessageType !== 'request') return;
    const parts = topic.split('/');
    const api = parts.at(-1) ?? '';
    // Replay guard (profile "Clarifications"): a repeat is answered with the identical response.
    const key = `${message.SourceEndPointID} ${String(message.CommandID)}`;
    const cached = this.answered.get(key);
    if (cached) return this.publishResponse(connection, topic, message, cached);
    let response: ProfileMessage;
    if (message.EncryptionOn) {
      this.problems.push(`${api}: an encrypted body although this device gave nobody its key`);
      response = profileResponse(message, 400, '', 'EncryptionOn: this device cannot decrypt');
    } else {
      const body = await openBody(message);
      const refusal = await this.checkToken(api, message, body);
      if (refusal) {
        this.problems.push(`${api}: ${refusal}`);
        response = profileResponse(message, 401, '', refusal);
      } else {
        this.received.push({ api, connection: connection.clientId, request: message, body });
        const handler = this.handlers.get(api);
        const result = handler ? handler(body, message) : { status: 501 };
        response = profileResponse(
          message,
          result.status,
          result.body === undefined ? '' : JSON.stringify(result.body),
        );
      }
    }
    this.answered.set(key, response);
    await this.publishResponse(connection, topic, message, response);
  }

  /** Profile "Clarifications": the response goes to the caller's topic for the same API. */
  private async publishResponse(
    connection: ProfileConnection,
    topic: string,
    request: ProfileMessage,
    response: ProfileMessage,
  ): Promise<void> {
    const [version, , ...rest] = topic.split('/');
    const target = [version, request.SourceEndPointID.toLowerCase(), ...rest].join('/');
    await connection.client.publishAsync(target, JSON.stringify(response), { qos: 0 });
  }

  /** Verifies the AccessToken with the issuer's key from an endpoint object; a reason when refused. */
  private async checkToken(
    api: string,
    request: ProfileMessage,
    body: Record<string, unknown> | undefined,
  ): Promise<string | undefined> {
    const keys: JWK[] = [];
    if (this.accountService) keys.push(this.accountService.key);
    if (api === 'SetManagementObject') {
      const { key, laKey } = this.management;
      if (key) keys.push(key);
      if (laKey) keys.push(laKey);
      const named = (body?.NICEAS as { NICEASEndPoint?: { AppEndPoint?: { JWK?: JWK } } } | undefined)
        ?.NICEASEndPoint?.AppEndPoint?.JWK;
      if (named) keys.push(named);
    }
    const token = String(request.AccessToken);
    for (const key of keys) {
      try {
        await verifyProfileToken(token, key, this.deviceId);
        return undefined;
      } catch {
        // try the next key the endpoint objects gave
      }
    }
    return 'AccessToken: not signed by a key from the endpoint objects';
  }

  private manage(body: Record<string, unknown> | undefined): {
    status: number;
    body?: Record<string, unknown>;
  } {
    if (body?.Action === 'Release') {
      this.accountService = undefined;
      return { status: 200, body: { Version: '1.0', DeviceID: this.deviceId, Result: 'Released' } };
    }
    const niceAs = body?.NICEAS as
      { NICEASID: string; NICEASEndPoint: { AppEndPoint: { JWK: JWK } } } | undefined;
    if (!niceAs) return { status: 400 };
    this.accountService = {
      id: niceAs.NICEASID,
      key: niceAs.NICEASEndPoint.AppEndPoint.JWK,
      endpoint: niceAs.NICEASEndPoint,
    };
    return { status: 200, body: { Version: '1.0', DeviceID: this.deviceId, Result: 'Bound' } };
  }
}
