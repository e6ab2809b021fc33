import { decodeJwt } from 'jose';
import { issueAccessToken, type Permission } from '../../core/nice/accessToken';
import type { AccountServiceStore, SiteIdentity } from './accountServiceStore';

/** What the account service grants in one token (iss is always the account service). */
export interface TokenGrant {
  sub: string;
  aud: string | string[];
  permissions: Permission[];
  nodeIds?: string[];
  /** Lifetime in seconds, 1 to 86,400 (default 1 h). */
  expiresInSec?: number;
  /**
   * Also name the holder's registered key in the token (RFC 7800 `cnf.jwk`), an optional
   * extra beyond the profile; devices learn app keys from endpoint objects without it.
   */
  holderKey?: boolean;
}

/** Lifetime of the DeviceToken handed out by GetManagementEndPoint and Bind (profile: 24 h). */
export const DEVICE_TOKEN_LIFETIME_SEC = 24 * 60 * 60;

/** Lifetime of the AccessToken on the account service's own requests to a device. */
const CALL_TOKEN_LIFETIME_SEC = 60 * 60;

/** A cached call token is replaced once it has less than this left. */
const CALL_TOKEN_REFRESH_MS = 10 * 60 * 1000;

/**
 * Signs the account service's tokens (ES256 with its key) and records every jti, so tokens
 * can be listed as issued and revoked later. The tokens themselves are never stored or logged.
 */
export class SiteTokens {
  private readonly callTokens = new Map<string, { token: string; expiresAtMs: number }>();

  constructor(
    private readonly identity: SiteIdentity,
    private readonly store: AccountServiceStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Issues a token from the account service and records its id. */
  async issue(grant: TokenGrant): Promise<string> {
    const app = grant.holderKey ? this.store.app(grant.sub) : undefined;
    const token = await issueAccessToken(
      {
        iss: this.identity.endPointId,
        sub: grant.sub,
        aud: grant.aud,
        Permissions: grant.permissions,
        ...(grant.nodeIds ? { NodeIDs: grant.nodeIds } : {}),
        ...(app ? { confirmationJwk: { ...app.publicJwk } } : {}),
      },
      this.identity.privateJwk,
      { expiresInSec: grant.expiresInSec ?? 3600, now: this.now() },
    );
    const claims = decodeJwt(token);
    this.store.recordIssuedToken({
      jti: String(claims.jti),
      subject: String(claims.sub),
      audience: claims.aud ?? [],
      permissions: grant.permissions,
      issuedAtMs: Number(claims.iat) * 1000,
      expiresAtMs: Number(claims.exp) * 1000,
    });
    return token;
  }

  /** The DeviceToken: iss = the AS, sub = the device, aud = [AS], Management and Data, 24 h. */
  deviceToken(deviceId: string): Promise<string> {
    return this.issue({
      sub: deviceId,
      aud: [this.identity.endPointId],
      permissions: ['Management', 'Data'],
      expiresInSec: DEVICE_TOKEN_LIFETIME_SEC,
    });
  }

  /** The AccessToken the account service's own requests to `deviceId` carry (Management). */
  async callToken(deviceId: string): Promise<string> {
    const cached = this.callTokens.get(deviceId);
    if (cached && cached.expiresAtMs - this.now().getTime() > CALL_TOKEN_REFRESH_MS) return cached.token;
    const token = await this.issue({
      sub: this.identity.endPointId,
      aud: deviceId,
      permissions: ['Management'],
      expiresInSec: CALL_TOKEN_LIFETIME_SEC,
    });
    this.callTokens.set(deviceId, {
      token,
      expiresAtMs: this.now().getTime() + CALL_TOKEN_LIFETIME_SEC * 1000,
    });
    return token;
  }

  /** Drops the cached call tokens, e.g. after a revocation that may have hit one. */
  forgetCallTokens(): void {
    this.callTokens.clear();
  }
}
