import type { Permission } from '../../core/nice/accessToken';
import type { EndpointPublicJwk } from '../../core/nice/endpointKeys';

/**
 * What the command console needs from the account service a command's target is bound to (or
 * that is the target): a token for the command and the target's key. No NICE command defines
 * how an app obtains either, so this is a port; the embedded local site implements it
 * in-process. Both answer undefined for a target the console knows no account service for.
 */
export interface CommandCredentials {
  /** A token with aud = `target` and exactly `permission` (and `nodeId` for control commands). */
  commandTokenFor(target: string, permission: Permission, nodeId?: string): Promise<string | undefined>;
  /** The target's public key from the endpoint objects the account service holds. */
  publicJwkOf(target: string): EndpointPublicJwk | undefined;
}
