import type { Permission } from '../../core/nice/accessToken';
import type { EndpointPublicJwk } from '../../core/nice/endpointKeys';

/**
 * What the console needs from its account service to run control sessions: which broker
 * connection reaches it and the devices, its key (to verify tokens), the devices' keys (to
 * encrypt to them) and tokens for the console. No NICE command defines how an app obtains its
 * tokens, so this is a port: the embedded local site implements it in-process.
 */
export interface SessionCredentials {
  /** The connection profile that reaches the account service and the devices. */
  profileId(): string | undefined;
  accountService(): { endPointId: string; publicJwk: EndpointPublicJwk } | undefined;
  /** The device's key; undefined when unknown (bodies to it then go plain). */
  devicePublicJwk(deviceId: string): EndpointPublicJwk | undefined;
  /** Whether the account service knows the device at all (a device may have given no key). */
  knowsDevice(deviceId: string): boolean;
  tokenFor(grant: { aud: string | string[]; permissions: Permission[]; nodeIds?: string[] }): Promise<string>;
}
