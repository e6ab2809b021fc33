import { decodeJwt } from 'jose';
import { verifyAccessToken, type AccessTokenClaims } from '../core/nice/accessToken';
import { parseEndpointPublicJwk, type EndpointPublicJwk } from '../core/nice/endpointKeys';
import type { TokenCheck } from '../core/nice/niceEndpoint';
import { NiceProtocolError } from '../core/nice/niceProtocolError';

export interface DeviceTokenCheckOptions {
  deviceId: string;
  /** The AS that bound the device, while bound. */
  boundIssuer(): EndpointPublicJwk | undefined;
  /** The AS named by ManagementEndPoint: it may send SetManagementObject before binding. */
  managementIssuer(): EndpointPublicJwk | undefined;
  revoked(): ReadonlySet<string>;
  /** A key the token's holder named for itself (`cnf.jwk`, an optional extra). */
  learnKey(endPointId: string, jwk: EndpointPublicJwk): void;
}

/**
 * The device's token rules (site plan, profile "Tokens"): before binding only SetManagementObject
 * signed by the AS named in ManagementEndPoint; once bound, tokens signed by the AS key with
 * aud = this device, the command's permission and node, and no revoked jti.
 */
export function deviceTokenCheck(options: DeviceTokenCheckOptions): TokenCheck {
  return async (token, { request, path, permission }) => {
    const issuers: EndpointPublicJwk[] = [];
    const bound = options.boundIssuer();
    if (bound) issuers.push(bound);
    const management = options.managementIssuer();
    if (path.kind === 'management' && path.api === 'SetManagementObject' && management)
      issuers.push(management);
    if (issuers.length === 0) {
      throw new NiceProtocolError(
        'FORBIDDEN',
        'the device is not bound to an account service yet',
        'AccessToken',
      );
    }
    let claims: AccessTokenClaims | undefined;
    let failure: unknown;
    for (const issuerPublicJwk of issuers) {
      try {
        claims = await verifyAccessToken(token, {
          issuerPublicJwk,
          audience: options.deviceId,
          requiredPermission: permission,
          ...(path.kind === 'control' ? { nodeId: path.nodeId } : {}),
          revokedJtis: options.revoked(),
        });
        break;
      } catch (error) {
        failure = error;
      }
    }
    if (!claims) throw failure;
    learnHolderKey(token, claims, request.SourceEndPointID, options.learnKey);
    return claims;
  };
}

/**
 * A token may name its holder's key (RFC 7800 `cnf.jwk`), an extra beyond the profile: the
 * device then has the key without asking its account service. Tokens without it are the norm.
 */
function learnHolderKey(
  token: string,
  claims: AccessTokenClaims,
  source: string,
  learn: (endPointId: string, jwk: EndpointPublicJwk) => void,
): void {
  const confirmation = (decodeJwt(token) as { cnf?: { jwk?: unknown } }).cnf?.jwk;
  const holder = source.toLowerCase();
  if (confirmation === undefined || claims.sub.toLowerCase() !== holder) return;
  try {
    const jwk = parseEndpointPublicJwk(confirmation, 'cnf.jwk');
    if (jwk.kid === holder) learn(holder, jwk);
  } catch {
    // An unusable key is ignored: the key is then looked for in the account service's endpoint objects.
  }
}
