import type { EndpointPublicJwk } from '../../core/nice/endpointKeys';

/** The name the account service gives itself in SetManagementObject (NICEASName). */
export const NICE_AS_NAME = 'NICE Console local site';

/** The broker account handed to devices: where they connect for management (MQTT scheme). */
export interface DeviceBrokerAccount {
  url: string;
  username: string;
  password: string;
}

/**
 * The MQTT ClientIDs a device is told to use. v0.9 §8.3 has a bound device keep its LA
 * connection and open another to the AS's broker; on one broker the same ClientID would make
 * each connection take the other over (MQTT 3.1.1 §3.1.4), so each role names its own.
 */
export const deviceClientId = {
  /** ManagementEndPoint (LA): the DeviceID itself, what the site's online check looks for. */
  licenseAuthority: (deviceId: string): string => deviceId,
  /** NICEASEndPoint (AS): the DeviceID with an `-as` suffix. */
  accountService: (deviceId: string): string => `${deviceId}-as`,
};

/** An AppEndPoint object (profile "Endpoint objects"). */
export function appEndPoint(endPointId: string, jwk: EndpointPublicJwk): Record<string, unknown> {
  return { APIVersion: '1.0', EndPointID: endPointId, JWK: jwk };
}

/** A NetEndPoint naming the MQTT broker a device must use, with its account and ClientID. */
export function mqttNetEndPoint(
  endPointId: string,
  broker: DeviceBrokerAccount,
  clientId: string,
): Record<string, unknown> {
  return {
    APIVersion: '1.0',
    EndPointID: endPointId,
    Scheme: [
      {
        Protocol: 'MQTT',
        Authority: broker.url,
        ClientID: clientId,
        Username: broker.username,
        Password: broker.password,
        QoS: 0,
      },
    ],
  };
}

/** A NetEndPoint naming an HTTPS origin (WebAPI scheme), e.g. the LA's bootstrap listener. */
export function webApiNetEndPoint(endPointId: string, origin: string): Record<string, unknown> {
  return { APIVersion: '1.0', EndPointID: endPointId, Scheme: [{ Protocol: 'WebAPI', Authority: origin }] };
}
