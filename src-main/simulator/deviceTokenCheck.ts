import { decodeJwt } from 'jose';
import { verifyAccessToken, type AccessTokenClaims } from '../core/nice/accessToken';
import { parseEndpointPublicJwk, type EndpointPublicJwk } from '../core/nice/endpointKeys';
import type { CmfRequest } from '../core/nice/cmf';
import type { TokenCheck } from '../core/nice/niceEndpoint';
import { NiceProtocolError } from '../core/nice/niceProtocolError';

export interface DeviceTokenCheckOptions {
  deviceId: string;
  /** The AS that bound the device, while bound. */
  boundIssuer(): EndpointPublicJwk | undefined;
  /** Keys of the LA and ManagementEndPoint objects from GetManagementEndPoint, where given. */
  bootstrapIssuers(): EndpointPublicJwk[];
  /** The inner body of a request (SetManagementObject names the AS that signs its token). */
  openBody(request: CmfRequest): Promise<unknown>;
  revoked(): ReadonlySet<string>;
  /** A key the token's holder named for itself (`cnf.jwk`, an optional extra). */
  learnKey(endPointId: string, jwk: EndpointPublicJwk): void;
}

/**
 * The device's token rules (profile "Tokens": signatures are verified with the issuer's JWK
 * from the endpoint objects, LA key from GetManagementEndPoint, AS key from SetManagementObject).
 * SetManagementObject's token may be signed by the LA or ManagementEndPoint key, or by the AS
 * its own body names (then its iss must be that NICEASID); once bound, tokens signed by the AS
 * key with aud = this device, the command's permission and node, and no revoked jti.
 */
export function deviceTokenCheck(options: DeviceTokenCheckOptions): TokenCheck {
  return async (token, { request, path, permission }) => {
    const issuers: { key: EndpointPublicJwk; iss?: string }[] = [];
    const bound = options.boundIssuer();
    if (bound) issuers.push({ key: bound });
    if (path.kind === 'management' && path.api === 'SetManagementObject') {
      for (const key of options.bootstrapIssuers()) issuers.push({ key });
      const named = accountServiceNamedIn(await options.openBody(request).catch(() => undefined));
      if (named?.key) issuers.push({ key: named.key, iss: named.id });
    }
    if (issuers.length === 0) {
      throw new NiceProtocolError(
        'FORBIDDEN',
        'the device is not bound to an account service yet',
        'AccessToken',
      );
    }
    let claims: AccessTokenClaims | undefined;
    let failure: unknown;
    for (const issuer of issuers) {
      try {
        const verified = await verifyAccessToken(token, {
          issuerPublicJwk: issuer.key,
          audience: options.deviceId,
          requiredPermission: permission,
          ...(path.kind === 'control' ? { nodeId: path.nodeId } : {}),
          revokedJtis: options.revoked(),
        });
        if (issuer.iss !== undefined && verified.iss.toLowerCase() !== issuer.iss) {
          throw new NiceProtocolError(
            'UNAUTHORIZED',
            'iss: must be the NICEASID that signs it',
            'AccessToken',
          );
        }
        claims = verified;
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
 * The AS a SetManagementObject body names (NICEAS.NICEASID) and the key its endpoint object
 * gives (NICEASEndPoint.AppEndPoint.JWK, kid = NICEASID); undefined when the body names none.
 */
export function accountServiceNamedIn(
  body: unknown,
): { id: string; key: EndpointPublicJwk | undefined } | undefined {
  const niceAs = (body as { NICEAS?: unknown } | undefined)?.NICEAS as
    | { NICEASID?: unknown; NICEASEndPoint?: { AppEndPoint?: { EndPointID?: unknown; JWK?: unknown } } }
    | undefined;
  if (typeof niceAs?.NICEASID !== 'string') return undefined;
  const id = niceAs.NICEASID.toLowerCase();
  const app = niceAs.NICEASEndPoint?.AppEndPoint;
  if (app?.JWK === undefined || String(app.EndPointID).toLowerCase() !== id) return { id, key: undefined };
  try {
    const key = parseEndpointPublicJwk(app.JWK, 'NICEAS.NICEASEndPoint.AppEndPoint.JWK');
    return { id, key: key.kid?.toLowerCase() === id ? key : undefined };
  } catch {
    return { id, key: undefined };
  }
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
