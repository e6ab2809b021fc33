import type { CryptoKey, JWK } from 'jose';
import { verifyAccessToken } from './accessToken';
import type { TokenCheck } from './niceEndpoint';
import { NiceProtocolError } from './niceProtocolError';

export interface IssuedTokenCheckOptions {
  /** The issuer's public key (LA from GetManagementEndPoint, AS from SetManagementObject). */
  issuerKey: () => JWK | CryptoKey | undefined;
  /** Checked when this endpoint is the token's target (devices on every request). */
  audience?: string;
  revoked?: (jti: string) => boolean;
  /** APIs that may arrive without a token (profile: GetManagementEndPoint only). */
  open?: readonly string[];
  now?: () => Date;
}

/**
 * The receiving side of the profile's token rules: signature by the issuer, time window,
 * revocation, audience when given, and the permission the command needs.
 */
export function issuedTokenCheck(options: IssuedTokenCheckOptions): TokenCheck {
  return async (token, { path, permission }) => {
    if (token === '' && path.kind !== 'data' && options.open?.includes(path.api)) return null;
    const issuerPublicJwk = options.issuerKey();
    if (!issuerPublicJwk) {
      throw new NiceProtocolError(
        'UNAUTHORIZED',
        'no issuer key is known yet to verify the token',
        'AccessToken',
      );
    }
    return verifyAccessToken(token, {
      issuerPublicJwk,
      audience: options.audience,
      requiredPermission: permission,
      nodeId: path.kind === 'control' ? path.nodeId : undefined,
      revokedJtis: options.revoked,
      now: options.now?.(),
    });
  };
}
