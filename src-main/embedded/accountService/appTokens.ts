import { z } from 'zod';
import { verifyAccessToken, type AccessTokenClaims } from '../../core/nice/accessToken';
import type { CmfRequest } from '../../core/nice/cmf';
import type { CommandHandler } from '../../core/nice/niceEndpoint';
import { NiceProtocolError } from '../../core/nice/niceProtocolError';
import { parseBody } from './bodies';
import { DEVICE_TOKEN_LIFETIME_SEC } from './siteTokens';
import type { SiteContext } from './siteContext';

/**
 * GetAccessToken (app → AS, management, over MQTT): how an app registered with the site obtains
 * its tokens over the network. The profile names no such command; this one keeps to its rules:
 * a CMF request on the AS's management topic, its AccessToken a JWT the app signs itself (ES256,
 * iss = sub = the app, aud = the AS, `Management`) and verified with the app's registered JWK
 * (profile "Tokens": signatures are verified with the issuer's JWK from the endpoint objects),
 * and an answer encrypted to that same key, so only the key's holder can read the token.
 */
export const APP_TOKEN_API = 'GetAccessToken';

const endPointId = z
  .string({ error: 'must be an EndPointID' })
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, {
    error: 'must be an EndPointID',
  })
  .transform((value) => value.toLowerCase());

/** GetAccessToken request body. */
export const GetAccessTokenBody = z.strictObject({
  Version: z.enum(['1.0', '1'], { error: 'must be "1.0"' }),
  /** The target(s) of the token: this AS or devices bound to it. */
  Audience: z.union([endPointId, z.array(endPointId).min(1).max(16)], {
    error: 'must be an EndPointID or a list of up to 16',
  }),
  Permissions: z
    .array(z.enum(['Management', 'Control', 'Data', 'Streaming'], { error: 'must be a NICE permission' }))
    .min(1, { error: 'must name at least one permission' }),
  NodeIDs: z
    .array(z.string().regex(/^[0-9a-fA-F]{4}$/, { error: 'must be a NodeID (4 hex digits)' }))
    .max(64)
    .optional(),
  /** Seconds, 60 to 86,400 (profile: exp ≤ 24 h); one hour when left out. */
  ExpiresIn: z.number().int().min(60).max(DEVICE_TOKEN_LIFETIME_SEC).optional(),
});

/**
 * Checks the app's own assertion: a registered app signed it, for this AS, with `Management`.
 * Throws NiceProtocolError FORBIDDEN/UNAUTHORIZED, which the endpoint answers 403/401.
 */
export async function checkAppAssertion(
  site: Pick<SiteContext, 'store' | 'identity'>,
  token: string,
  request: CmfRequest,
): Promise<AccessTokenClaims> {
  const appId = request.SourceEndPointID.toLowerCase();
  const app = site.store.app(appId);
  if (!app) {
    throw new NiceProtocolError(
      'FORBIDDEN',
      `${appId} is not an app registered with this site`,
      'SourceEndPointID',
    );
  }
  const claims = await verifyAccessToken(token, {
    issuerPublicJwk: app.publicJwk,
    issuer: appId,
    audience: site.identity.endPointId,
    requiredPermission: 'Management',
    revokedJtis: (jti) => site.store.isRevoked(jti),
  });
  if (claims.sub.toLowerCase() !== appId) {
    throw new NiceProtocolError('UNAUTHORIZED', 'sub: must be the app that signs it', 'AccessToken');
  }
  return claims;
}

/** The handler: a token from the AS with exactly the grant asked for, encrypted to the app. */
export function appTokenHandler(site: SiteContext): CommandHandler {
  return async ({ request, body }) => {
    if (!request.EncryptionOn) {
      return { status: 400, message: 'EncryptionOn: must be true: the answer carries a token' };
    }
    const asked = parseBody(GetAccessTokenBody, body);
    const audience = typeof asked.Audience === 'string' ? [asked.Audience] : asked.Audience;
    for (const target of audience) {
      if (target === site.identity.endPointId) continue;
      if (site.store.device(target)?.binding !== 'bound') {
        return { status: 403, message: `Audience: ${target} is not a device bound to this site` };
      }
    }
    const expiresInSec = asked.ExpiresIn ?? 3600;
    const token = await site.tokens.issue({
      sub: request.SourceEndPointID.toLowerCase(),
      aud: typeof asked.Audience === 'string' ? asked.Audience : audience,
      permissions: asked.Permissions,
      ...(asked.NodeIDs ? { nodeIds: asked.NodeIDs.map((id) => id.toLowerCase()) } : {}),
      expiresInSec,
    });
    return { body: { Version: '1.0', AccessToken: token, ExpiresIn: expiresInSec } };
  };
}
