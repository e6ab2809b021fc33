import { KeyObject, createECDH, type ECDH } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { z } from 'zod';
import { parseEndPointId } from './endPointId';
import { NiceProtocolError } from './niceProtocolError';

/** An endpoint's public key as it travels in endpoint objects (profile: EC P-256 JWK, kid = EndPointID). */
export interface EndpointPublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
}

/** An endpoint's private key as a JWK; it stays with its owner (profile "Tokens and keys"). */
export interface EndpointPrivateJwk extends EndpointPublicJwk {
  d: string;
}

/** A freshly generated endpoint key pair: the public JWK to hand out, the private JWK to keep. */
export interface EndpointKeyPair {
  publicJwk: EndpointPublicJwk;
  privateJwk: EndpointPrivateJwk;
}

/** What a key is imported for: JWE key agreement for bodies (profile) or ES256 token signatures. */
export type EndpointKeyUse = 'ECDH-ES+A256KW' | 'ES256';

const base64url = (bytes: number) =>
  z.string().regex(new RegExp(`^[A-Za-z0-9_-]{${Math.ceil((bytes * 4) / 3)}}$`), {
    error: `expected ${bytes} bytes in base64url`,
  });

/** Members a JWK may carry besides the key itself (RFC 7517 §4); anything else is refused. */
const jwkExtras = {
  use: z.enum(['sig', 'enc']).optional(),
  alg: z.enum(['ES256', 'ECDH-ES+A256KW']).optional(),
  key_ops: z.array(z.string()).max(8).optional(),
  ext: z.boolean().optional(),
};

const publicJwkSchema = z.strictObject({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: base64url(32),
  y: base64url(32),
  kid: z.string(),
  ...jwkExtras,
});

const privateJwkSchema = publicJwkSchema.extend({ d: base64url(32) });

/**
 * Validates a JWK against `schema`, naming the member at fault. A key used only locally (an
 * imported private key) may lack the kid (`requireKid` false); one handed out must carry an
 * EndPointID as kid.
 */
function validate<T extends EndpointPublicJwk>(
  schema: z.ZodType<T>,
  value: unknown,
  field: string,
  requireKid = true,
): T {
  const kidless =
    !requireKid &&
    typeof value === 'object' &&
    value !== null &&
    (value as { kid?: unknown }).kid === undefined;
  const result = schema.safeParse(kidless ? { ...value, kid: '' } : value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const at =
      issue?.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : (issue?.path ?? []);
    const name = [field, ...at.map(String)].join('.');
    throw new NiceProtocolError('MALFORMED', issue?.message.slice(0, 120) ?? 'invalid JWK', name);
  }
  if (kidless) return result.data;
  return { ...result.data, kid: parseEndPointId(result.data.kid, `${field}.kid`) };
}

/**
 * Validates an endpoint public JWK (EC P-256, kid = EndPointID, no private member `d`) and
 * returns it with only the key members; throws NiceProtocolError('MALFORMED') naming the member.
 */
export function parseEndpointPublicJwk(value: unknown, field = 'JWK'): EndpointPublicJwk {
  const jwk = validate(publicJwkSchema, value, field);
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, kid: jwk.kid };
}

/** Validates an endpoint private JWK (EC P-256 with `d`, kid = EndPointID); throws like the public one. */
export function parseEndpointPrivateJwk(value: unknown, field = 'JWK'): EndpointPrivateJwk {
  const jwk = validate(privateJwkSchema, value, field);
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, kid: jwk.kid, d: jwk.d };
}

/** The public half of a private JWK, e.g. to publish the key of a stored pair again. */
export function toEndpointPublicJwk(privateJwk: EndpointPrivateJwk): EndpointPublicJwk {
  return { kty: privateJwk.kty, crv: privateJwk.crv, x: privateJwk.x, y: privateJwk.y, kid: privateJwk.kid };
}

/**
 * Generates an endpoint's EC P-256 key pair (profile "Tokens and keys") as JWKs whose kid is the
 * EndPointID; the private JWK is returned separately so callers can store it encrypted.
 */
export async function generateEndpointKeyPair(endPointId: string): Promise<EndpointKeyPair> {
  const kid = parseEndPointId(endPointId);
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  const privateJwk = parseEndpointPrivateJwk({ ...jwk, kid }, 'privateJwk');
  return { publicJwk: toEndpointPublicJwk(privateJwk), privateJwk };
}

/** How many peers' imported public keys are kept (least recently used dropped first). */
export const PUBLIC_KEY_CACHE_LIMIT = 256;

/** Imported public keys by use and key identity (x, y: the RFC 7638 thumbprint members). */
const publicKeys = new Map<string, Promise<CryptoKey>>();

/**
 * Remembers what was made from one endpoint private key (an imported CryptoKey, an ECDH context)
 * without keeping keys that are no longer in use: by object identity for as long as the caller
 * holds the object, and by content for the most recently used key only (the console identity hands
 * out a fresh JWK per call). Another key replaces the remembered one, so after a key rotation the
 * old key is dropped at the first use of the new one. Key material is never exposed or logged.
 */
class PrivateKeyMemo<V> {
  private readonly byObject = new WeakMap<object, { id: string; value: V }>();
  private latest: { id: string; value: V } | undefined;

  get(object: object, id: string, make: () => V): V {
    const held = this.byObject.get(object);
    if (held !== undefined && held.id === id) return held.value;
    const entry = this.latest?.id === id ? this.latest : { id, value: make() };
    this.latest = entry;
    this.byObject.set(object, entry);
    return entry.value;
  }
}

const privateKeys: Record<EndpointKeyUse, PrivateKeyMemo<Promise<CryptoKey>>> = {
  'ECDH-ES+A256KW': new PrivateKeyMemo(),
  ES256: new PrivateKeyMemo(),
};
const agreementKeys = new PrivateKeyMemo<ECDH>();
const agreementCryptoKeys = new WeakMap<CryptoKey, ECDH | null>();

/**
 * Imports an endpoint public key for `use` (ECDH-ES+A256KW to encrypt bodies, ES256 to verify
 * tokens) after validating the JWK; accepts an already imported CryptoKey unchanged. Imports are
 * cached per key (bounded, least recently used dropped first), so repeated calls only validate.
 */
export async function importEndpointPublicKey(
  key: JWK | CryptoKey,
  use: EndpointKeyUse,
  field = 'JWK',
): Promise<CryptoKey> {
  if (!isJwk(key)) return key;
  const jwk = validate(publicJwkSchema, key, field, false);
  const id = `${use}:${jwk.x}.${jwk.y}`;
  const cached = publicKeys.get(id);
  if (cached !== undefined) {
    publicKeys.delete(id);
    publicKeys.set(id, cached);
    return cached;
  }
  const imported = importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, use) as Promise<CryptoKey>;
  publicKeys.set(id, imported);
  if (publicKeys.size > PUBLIC_KEY_CACHE_LIMIT) publicKeys.delete(publicKeys.keys().next().value as string);
  imported.catch(() => {
    if (publicKeys.get(id) === imported) publicKeys.delete(id);
  });
  return imported;
}

/**
 * Imports an endpoint private key for `use` (ECDH-ES+A256KW to decrypt bodies, ES256 to sign
 * tokens) after validating the JWK; accepts an already imported CryptoKey unchanged. The import
 * is remembered for the key in use (see PrivateKeyMemo), so repeated calls only validate.
 */
export async function importEndpointPrivateKey(
  key: JWK | CryptoKey,
  use: EndpointKeyUse,
  field = 'privateJwk',
): Promise<CryptoKey> {
  if (!isJwk(key)) return key;
  const jwk = validate(privateJwkSchema, key, field, false);
  return privateKeys[use].get(
    key,
    `${jwk.x}.${jwk.y}.${jwk.d}`,
    () => importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, d: jwk.d }, use) as Promise<CryptoKey>,
  );
}

/**
 * The node:crypto ECDH (P-256) context of an endpoint private key, for opening bodies with
 * ECDH-ES key agreement; validates a JWK like importEndpointPrivateKey (MALFORMED naming the
 * member). A CryptoKey qualifies when it is a P-256 ECDH private key allowed to derive bits;
 * for any other key it returns undefined (its private scalar is read through KeyObject, even
 * when not extractable, and stays in this process). Remembered like the imported private keys.
 */
export function endpointKeyAgreement(key: JWK | CryptoKey, field = 'privateJwk'): ECDH | undefined {
  if (!isJwk(key)) {
    let ecdh = agreementCryptoKeys.get(key);
    if (ecdh === undefined) {
      ecdh = cryptoKeyAgreement(key);
      agreementCryptoKeys.set(key, ecdh);
    }
    return ecdh ?? undefined;
  }
  const jwk = validate(privateJwkSchema, key, field, false);
  return agreementKeys.get(key, `${jwk.x}.${jwk.y}.${jwk.d}`, () => ecdhContext(jwk.d));
}

function cryptoKeyAgreement(key: CryptoKey): ECDH | null {
  const algorithm = key.algorithm as { name?: unknown; namedCurve?: unknown };
  if (key.type !== 'private' || algorithm.name !== 'ECDH' || algorithm.namedCurve !== 'P-256') return null;
  if (!key.usages.includes('deriveBits')) return null;
  const { d } = KeyObject.from(key as Parameters<typeof KeyObject.from>[0]).export({ format: 'jwk' });
  return typeof d === 'string' ? ecdhContext(d) : null;
}

function ecdhContext(d: string): ECDH {
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.from(d, 'base64url'));
  return ecdh;
}

function isJwk(key: JWK | CryptoKey): key is JWK {
  // A CryptoKey has `type` and `algorithm` but never the JWK member `kty`.
  return 'kty' in key;
}
