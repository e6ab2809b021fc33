import { randomUUID } from 'node:crypto';
import { SignJWT, decodeProtectedHeader, errors, jwtVerify, type CryptoKey, type JWK } from 'jose';
import { z } from 'zod';
import type { DestinationPath } from './destinationId';
import { isEndPointId, parseEndPointId } from './endPointId';
import { importEndpointPrivateKey, importEndpointPublicKey } from './endpointKeys';
import { NiceProtocolError } from './niceProtocolError';

/** The permissions an AccessToken can grant (profile "Tokens and keys", digest §6.2). */
export const PERMISSIONS = ['Management', 'Control', 'Data', 'Streaming'] as const;

/** One AccessToken permission. */
export type Permission = (typeof PERMISSIONS)[number];

/** Longest lifetime a token may have, exp − iat (profile: ≤ 24 h, digest §4.3). */
export const ACCESS_TOKEN_MAX_LIFETIME_SEC = 24 * 60 * 60;

/** Default clock tolerance for exp/nbf/iat when verifying, in seconds. */
export const DEFAULT_CLOCK_TOLERANCE_SEC = 60;

/** Upper bound on the clock tolerance a caller may ask for (digest §6.1: ±300 s skew). */
export const MAX_CLOCK_TOLERANCE_SEC = 300;

/** The claims of a NICE AccessToken (profile "Tokens and keys"; digest §4.3). */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  iat: number;
  nbf: number;
  exp: number;
  jti: string;
  Permissions: Permission[];
  NodeIDs?: string[];
}

/** What the issuer decides for a new token; times and jti are filled in by issueAccessToken. */
export interface AccessTokenGrant {
  iss: string;
  sub: string;
  aud: string | readonly string[];
  Permissions: readonly Permission[];
  NodeIDs?: readonly string[];
  /** The holder's public key (RFC 7800 `cnf.jwk`), so a receiver can encrypt its answers to it. */
  confirmationJwk?: Readonly<Record<string, string>>;
}

/** Options of issueAccessToken. */
export interface IssueAccessTokenOptions {
  /** Lifetime in seconds, 1 to 86,400 (profile: exp ≤ 24 h). */
  expiresInSec: number;
  /** Issue time; default now. */
  now?: Date;
  /** Seconds after issue before the token becomes valid (default 0). */
  notBeforeSec?: number;
}

/** Options of verifyAccessToken. */
export interface VerifyAccessTokenOptions {
  /** The issuer's public key (LA or AS key from the endpoint objects, profile). */
  issuerPublicJwk: JWK | CryptoKey;
  /** Our EndPointID when we are the token's target: `aud` must be it or contain it. */
  audience?: string;
  /** The iss the token must carry, when known. */
  issuer?: string;
  /** The permission the command needs (see requiredPermissionFor). */
  requiredPermission?: Permission;
  /** The NodeID the command addresses; a token with NodeIDs must list it. */
  nodeId?: string;
  /** Revoked jti values (RevokedJSONTokenIDs, digest §4.3) or a predicate over them. */
  revokedJtis?: ReadonlySet<string> | ((jti: string) => boolean);
  /** Clock tolerance in seconds for exp/nbf/iat, 0 to 300 (default 60). */
  clockToleranceSec?: number;
  /** The current time; default now. */
  now?: Date;
}

const NODE_ID = /^[0-9a-f]{4}$/;

const claimsSchema = z.object({
  iss: z.string().refine(isEndPointId),
  sub: z.string().refine(isEndPointId),
  aud: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(64)]),
  iat: z.number().int(),
  nbf: z.number().int(),
  exp: z.number().int(),
  jti: z.string().min(1).max(128),
  Permissions: z.array(z.enum(PERMISSIONS)).max(PERMISSIONS.length),
  NodeIDs: z.array(z.string().regex(NODE_ID)).max(256).optional(),
});

function unauthorized(message: string): never {
  throw new NiceProtocolError('UNAUTHORIZED', message, 'AccessToken');
}

function forbidden(message: string): never {
  throw new NiceProtocolError('FORBIDDEN', message, 'AccessToken');
}

/**
 * Issues an AccessToken (profile "Tokens and keys"): an ES256 JWT signed with the issuer's
 * private key, header kid = iss, claims iss, sub, aud, iat, nbf, exp (≤ 24 h), a random jti,
 * Permissions and optional NodeIDs. Throws RangeError for a lifetime over 24 h.
 */
export async function issueAccessToken(
  claims: AccessTokenGrant,
  privateJwk: JWK | CryptoKey,
  options: IssueAccessTokenOptions,
): Promise<string> {
  const { expiresInSec, notBeforeSec = 0 } = options;
  if (!Number.isInteger(expiresInSec) || expiresInSec < 1 || expiresInSec > ACCESS_TOKEN_MAX_LIFETIME_SEC) {
    throw new RangeError(`expiresInSec must be an integer from 1 to ${ACCESS_TOKEN_MAX_LIFETIME_SEC}`);
  }
  if (!Number.isInteger(notBeforeSec) || notBeforeSec < 0 || notBeforeSec >= expiresInSec) {
    throw new RangeError('notBeforeSec must be a non-negative integer below expiresInSec');
  }
  const iss = parseEndPointId(claims.iss, 'iss');
  const sub = parseEndPointId(claims.sub, 'sub');
  const aud =
    typeof claims.aud === 'string'
      ? parseEndPointId(claims.aud, 'aud')
      : claims.aud.map((value, index) => parseEndPointId(value, `aud.${index}`));
  if (Array.isArray(aud) && aud.length === 0) throw new RangeError('aud must name at least one EndPointID');
  for (const permission of claims.Permissions) {
    if (!PERMISSIONS.includes(permission)) throw new RangeError(`unknown permission ${String(permission)}`);
  }
  const nodeIds = claims.NodeIDs?.map((value) => {
    if (!/^[0-9a-fA-F]{4}$/.test(value)) throw new RangeError(`NodeID ${value} is not four hex digits`);
    return value.toLowerCase();
  });
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const payload: Record<string, unknown> = { Permissions: [...new Set(claims.Permissions)] };
  if (nodeIds) payload.NodeIDs = nodeIds;
  if (claims.confirmationJwk) payload.cnf = { jwk: { ...claims.confirmationJwk } };
  const key = await importEndpointPrivateKey(privateJwk, 'ES256');
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: iss })
    .setIssuer(iss)
    .setSubject(sub)
    .setAudience(aud)
    .setIssuedAt(iat)
    .setNotBefore(iat + notBeforeSec)
    .setExpirationTime(iat + expiresInSec)
    .setJti(randomUUID())
    .sign(key);
}

/**
 * Verifies an AccessToken (profile "Tokens and keys"): ES256 signature by the issuer's key, time
 * window with the clock tolerance, lifetime ≤ 24 h, jti not revoked (all UNAUTHORIZED), then
 * audience, permission and NodeID (FORBIDDEN). Returns the verified claims; errors are
 * NiceProtocolError on field AccessToken.
 */
export async function verifyAccessToken(
  token: string,
  options: VerifyAccessTokenOptions,
): Promise<AccessTokenClaims> {
  const tolerance = options.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC;
  if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance > MAX_CLOCK_TOLERANCE_SEC) {
    throw new RangeError(`clockToleranceSec must be from 0 to ${MAX_CLOCK_TOLERANCE_SEC}`);
  }
  if (typeof token !== 'string' || token === '') unauthorized('missing access token');
  if (token.length > 16_384) unauthorized('access token too long');
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    unauthorized('access token is not a JWT');
  }
  if (header.alg !== 'ES256') unauthorized('access token must be signed with ES256');
  const key = await importEndpointPublicKey(options.issuerPublicJwk, 'ES256', 'issuerPublicJwk');
  const now = options.now ?? new Date();
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: ['ES256'],
      clockTolerance: tolerance,
      currentDate: now,
      requiredClaims: ['iss', 'sub', 'aud', 'iat', 'nbf', 'exp', 'jti'],
    }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) unauthorized('access token expired');
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf') {
      unauthorized('access token not yet valid');
    }
    if (error instanceof errors.JWSSignatureVerificationFailed)
      unauthorized('access token signature is invalid');
    unauthorized('access token is not valid');
  }
  const parsed = claimsSchema.safeParse(payload);
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join('.') ?? '';
    unauthorized(`access token claims are malformed${where ? ` (${where})` : ''}`);
  }
  const claims = parsed.data;
  const nowSec = Math.floor(now.getTime() / 1000);
  if (claims.iat > nowSec + tolerance) unauthorized('access token issued in the future');
  if (claims.exp - claims.iat > ACCESS_TOKEN_MAX_LIFETIME_SEC)
    unauthorized('access token lifetime exceeds 24 h');
  if (options.issuer !== undefined && claims.iss.toLowerCase() !== options.issuer.toLowerCase()) {
    unauthorized('access token from an unexpected issuer');
  }
  const revoked = options.revokedJtis;
  if (revoked && (typeof revoked === 'function' ? revoked(claims.jti) : revoked.has(claims.jti))) {
    unauthorized('access token has been revoked');
  }
  if (options.audience !== undefined) {
    const target = options.audience.toLowerCase();
    const audiences = typeof claims.aud === 'string' ? [claims.aud] : claims.aud;
    if (!audiences.some((value) => value.toLowerCase() === target))
      forbidden('access token is for another audience');
  }
  if (options.requiredPermission !== undefined && !claims.Permissions.includes(options.requiredPermission)) {
    forbidden(`access token lacks the ${options.requiredPermission} permission`);
  }
  if (options.nodeId !== undefined && claims.NodeIDs !== undefined) {
    if (!claims.NodeIDs.includes(options.nodeId.toLowerCase()))
      forbidden(`access token does not cover node ${options.nodeId}`);
  }
  const result: AccessTokenClaims = {
    iss: claims.iss,
    sub: claims.sub,
    aud: claims.aud,
    iat: claims.iat,
    nbf: claims.nbf,
    exp: claims.exp,
    jti: claims.jti,
    Permissions: claims.Permissions,
  };
  if (claims.NodeIDs) result.NodeIDs = claims.NodeIDs;
  return result;
}

/**
 * The permission a command needs (profile "Tokens": management commands and WebRTCSignaling
 * Management; control commands Control; StartStreaming/StopStreaming Streaming; data Data).
 */
export function requiredPermissionFor(path: DestinationPath): Permission {
  switch (path.kind) {
    case 'management':
      return 'Management';
    case 'control':
      return path.api === 'StartStreaming' || path.api === 'StopStreaming' ? 'Streaming' : 'Control';
    case 'controlChannel':
      return 'Control';
    case 'data':
      return 'Data';
  }
}
