import type { JWK } from 'jose';
import { serializeCmfMessage, type CmfRequest } from '../core/nice/cmf';
import { encodeBody } from '../core/nice/cmfBody';
import { dataPath } from '../core/nice/destinationId';
import type { NiceEndpoint } from '../core/nice/niceEndpoint';
import type { DataSection } from '../core/nice/sceneData';
import type { Logger } from '../core/util/logger';
import type { MqttEndpointLink } from '../services/nice/mqttEndpointLink';
import type { WebApiClient } from '../services/webapi/webApiClient';
import type { PlannedDestination } from './sceneModePlan';
import type { DeviceWebRtcSession } from './webRtcSession';

/** How WebAPI destinations receive data (NICE profile "Data", both are accepted by consoles). */
export type WebApiStyle = 'cmf' | 'setSceneMark';

/** One SceneMark ready to go: the object and, for WebAPI destinations, its thumbnail sections. */
export interface SceneMarkParcel {
  /** The SceneMark without SceneData references, for MQTT and WebRTC. */
  sceneMark: Record<string, unknown>;
  /** The SceneMark naming its thumbnail, and the thumbnail's DataSections, for WebAPI. */
  withSceneData?: { sceneMark: Record<string, unknown>; sections: DataSection[] };
}

export type DeliveryOutcome = 'sent' | 'skipped' | 'busy' | 'failed';

/** What delivery needs from the camera. */
export interface DeliveryContext {
  endpoint: NiceEndpoint;
  /** The DeviceToken: the CMF AccessToken of data (Permission Data). */
  deviceToken(): string | undefined;
  /** The camera's MQTT link and the broker URL it is connected to. */
  mqtt(): { link: MqttEndpointLink; brokerUrl: string } | undefined;
  webApi: WebApiClient;
  webApiStyle: WebApiStyle;
  /** The open control session with `peer`, for WebRTC destinations. */
  session(peer: string): DeviceWebRtcSession | undefined;
  peerKey(endPointId: string): JWK | undefined;
  logger: Logger;
  source: string;
}

/**
 * Sends SceneMarks to the SceneMode's destinations by their scheme (NICE profile "Data"):
 * - MQTT: a CMF request with the SceneMark as Body on `1/{dest}/data/{NodeID}/{PortID}` at the
 *   scheme's QoS, over the camera's own broker connection (another broker is out of scope);
 * - WebAPI: HTTPS to the scheme's Authority with its AccessToken as Bearer: CMF on the v0.9 data
 *   path, or the raw SceneMark on `…/SetSceneMark`, and the thumbnail's DataSections after it
 *   on `…/SetSceneData`;
 * - WebRTC: the data DataChannel `1/{peer}/data/{NodeID}/{PortID}` of the session with that peer.
 * Bodies are JWE to the destination's key when its Encryption says so, plain otherwise. A
 * destination still busy with the previous SceneMark skips this one rather than queueing.
 */
export class SceneMarkDelivery {
  private readonly inFlight = new Set<string>();
  private readonly warned = new Set<string>();

  constructor(private readonly context: DeliveryContext) {}

  async deliver(destination: PlannedDestination, parcel: SceneMarkParcel): Promise<DeliveryOutcome> {
    const key = `${destination.protocol} ${destination.dataPath}`;
    if (this.inFlight.has(key)) return 'busy';
    if (destination.encryptionOn && !this.context.peerKey(destination.endPointId)) {
      this.warnOnce(
        key,
        `no public key for ${destination.endPointId}: encrypted SceneMarks to it are skipped`,
      );
      return 'skipped';
    }
    this.inFlight.add(key);
    try {
      switch (destination.protocol) {
        case 'MQTT':
          return await this.overMqtt(destination, parcel.sceneMark);
        case 'WebAPI':
          return await this.overWebApi(destination, parcel);
        case 'WebRTC':
          return await this.overWebRtc(destination, parcel.sceneMark);
      }
    } catch (error) {
      this.context.logger.log(
        'debug',
        this.context.source,
        `SceneMark to ${destination.protocol} ${destination.dataPath} failed: ${describe(error)}`,
      );
      return 'failed';
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** A data CMF request from the camera to the destination (plain unless Encryption is on). */
  private request(destination: PlannedDestination, body: unknown): Promise<CmfRequest> {
    return this.context.endpoint.buildRequest({
      path: dataPath(destination.endPointId, destination.nodeId, destination.portId),
      body,
      accessToken: this.context.deviceToken() ?? '',
      plain: !destination.encryptionOn,
    });
  }

  private async overMqtt(
    destination: Extract<PlannedDestination, { protocol: 'MQTT' }>,
    sceneMark: Record<string, unknown>,
  ): Promise<DeliveryOutcome> {
    const mqtt = this.context.mqtt();
    if (!mqtt) return 'skipped';
    if (!sameBroker(destination.authority, mqtt.brokerUrl)) {
      this.warnOnce(
        `broker ${destination.authority}`,
        `SceneMark destination on another broker (${destination.authority}) is out of scope; skipped`,
      );
      return 'skipped';
    }
    const request = await this.request(destination, sceneMark);
    await mqtt.link.publish(destination.dataPath, serializeCmfMessage(request), destination.qos);
    return 'sent';
  }

  private async overWebApi(
    destination: Extract<PlannedDestination, { protocol: 'WebAPI' }>,
    parcel: SceneMarkParcel,
  ): Promise<DeliveryOutcome> {
    const base = `${originOf(destination.authority)}/${destination.dataPath}`;
    const bearer = destination.accessToken ?? this.context.deviceToken() ?? '';
    const sceneMark = parcel.withSceneData?.sceneMark ?? parcel.sceneMark;
    const sections = parcel.withSceneData?.sections ?? [];
    const key = destination.encryptionOn ? this.context.peerKey(destination.endPointId) : undefined;
    if (this.context.webApiStyle === 'cmf') {
      await this.context.webApi.postCmf(base, await this.request(destination, sceneMark), { bearer });
    } else {
      await this.postObject(`${base}/SetSceneMark`, sceneMark, key, destination.endPointId, bearer);
    }
    // Profile "Data": SceneData sections (digest §3.4) on `…/SetSceneData`, whatever path the
    // SceneMark took; JWE text when the destination's Encryption says so, else JSON.
    for (const section of sections) {
      await this.postObject(`${base}/SetSceneData`, section, key, destination.endPointId, bearer);
    }
    return 'sent';
  }

  /** POSTs an object to a 1.x data entry: its JWE as text/plain when `key` is given, else JSON. */
  private async postObject(
    url: string,
    value: Record<string, unknown>,
    key: JWK | undefined,
    recipient: string,
    bearer: string,
  ): Promise<void> {
    if (key) {
      const jwe = await encodeBody(value, { encrypt: { recipientPublicJwk: key, kid: recipient } });
      await this.context.webApi.postRaw(url, jwe, 'text/plain', { bearer });
      return;
    }
    await this.context.webApi.postRaw(url, JSON.stringify(value), 'application/json', { bearer });
  }

  private async overWebRtc(
    destination: Extract<PlannedDestination, { protocol: 'WebRTC' }>,
    sceneMark: Record<string, unknown>,
  ): Promise<DeliveryOutcome> {
    const session = this.context.session(destination.endPointId);
    if (!session) return 'skipped';
    const request = await this.request(destination, sceneMark);
    return session.sendData(destination.dataPath, serializeCmfMessage(request)) ? 'sent' : 'failed';
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.context.logger.log('warn', this.context.source, message);
  }
}

/** `https://host:port` from a WebAPI Authority, which may omit the scheme (digest §3.5). */
export function originOf(authority: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(authority) ? authority : `https://${authority}`;
  return withScheme.replace(/\/+$/, '');
}

/**
 * Whether an MQTT destination is on the broker the camera uses. Hosts are compared, not ports:
 * one broker listens on several ports (TCP, TLS, WebSocket) and the console may name any.
 */
export function sameBroker(authority: string, brokerUrl: string): boolean {
  const host = (url: string): string | undefined => {
    try {
      const name = new URL(url).hostname.toLowerCase().replace(/^\[|\]$/g, '');
      return name === 'localhost' || name === '::1' ? '127.0.0.1' : name;
    } catch {
      return undefined;
    }
  };
  const destination = host(authority);
  return destination !== undefined && destination === host(brokerUrl);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
