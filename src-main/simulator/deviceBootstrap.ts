import { managementPath } from '../core/nice/destinationId';
import type { EndpointPublicJwk } from '../core/nice/endpointKeys';
import type { NiceEndpoint } from '../core/nice/niceEndpoint';
import { NiceProtocolError } from '../core/nice/niceProtocolError';
import type { NetEndPoint } from '../core/nice/sceneMode';
import type { WebApiClient } from '../services/webapi/webApiClient';
import { ManagementEndPointReply, parseBody } from './deviceBodies';

/** Where and how a device connects to MQTT. */
export interface MqttSettings {
  url: string;
  username?: string;
  password?: string;
  clientId: string;
}

/** What the LA hands a device (GetManagementEndPoint). */
export interface ManagementGrant {
  laId: string;
  /** Optional in the profile's endpoint objects ("JWK?"), like every key below. */
  laKey: EndpointPublicJwk | undefined;
  /** The endpoint the ManagementEndPoint names (on this site the AS that binds us). */
  management: { id: string; key: EndpointPublicJwk | undefined };
  deviceToken: string;
  netEndPoint: NetEndPoint;
}

/**
 * GetManagementEndPoint (NICE profile "Bootstrap"): a plain CMF request POSTed to
 * `{bootstrapUrl}/management/GetManagementEndPoint` with no token, carrying the device's key
 * and nodes (the site plan's documented extension), answered with the LA and AS endpoint objects
 * and the DeviceToken.
 */
export async function getManagementEndPoint(input: {
  endpoint: NiceEndpoint;
  webApi: WebApiClient;
  bootstrapUrl: string;
  device: { id: string; name: string; publicJwk: EndpointPublicJwk; nodeIds: string[] };
}): Promise<ManagementGrant> {
  const url = new URL(input.bootstrapUrl);
  const laId = url.pathname.split('/').filter(Boolean).pop() ?? '';
  const request = await input.endpoint.buildRequest({
    path: managementPath(laId, 'GetManagementEndPoint'),
    body: {
      Version: '1.0',
      DeviceID: input.device.id,
      DeviceName: input.device.name,
      DeviceJWK: input.device.publicJwk,
      NodeIDs: input.device.nodeIds,
    },
    accessToken: '',
    plain: true,
  });
  const target = `${input.bootstrapUrl.replace(/\/+$/, '')}/management/GetManagementEndPoint`;
  const exchange = await input.webApi.postCmf(target, request);
  const reply = parseBody(ManagementEndPointReply, await input.endpoint.openResponse(exchange.response));
  const management = reply.ManagementEndPoint.AppEndPoint;
  return {
    laId: reply.NICELAEndPoint.AppEndPoint.EndPointID,
    laKey: reply.NICELAEndPoint.AppEndPoint.JWK,
    management: { id: management.EndPointID, key: management.JWK },
    deviceToken: reply.DeviceToken,
    netEndPoint: reply.ManagementEndPoint.NetEndPoint,
  };
}

/**
 * The MQTT settings of a NetEndPoint (its first MQTT scheme); `fallbackUrl` only when it names
 * none (profile: the broker the LA names takes precedence over a configured one).
 */
export function mqttSettingsOf(
  netEndPoint: NetEndPoint,
  deviceId: string,
  fallbackUrl?: string,
): MqttSettings {
  const scheme = netEndPoint.Scheme.find((candidate) => candidate.Protocol === 'MQTT');
  if (scheme?.Protocol === 'MQTT') {
    return {
      url: scheme.Authority,
      ...(scheme.Username !== undefined ? { username: scheme.Username } : {}),
      ...(scheme.Password !== undefined ? { password: scheme.Password } : {}),
      clientId: scheme.ClientID ?? deviceId,
    };
  }
  if (fallbackUrl) return { url: fallbackUrl, clientId: deviceId };
  throw new NiceProtocolError(
    'MALFORMED',
    'names no MQTT scheme and no fallback broker is set',
    'NetEndPoint',
  );
}
