import { CompactEncrypt, compactDecrypt, decodeProtectedHeader, type CryptoKey, type JWK } from 'jose';
import { parseEndPointId } from './endPointId';
import { openCanonicalBodyJwe } from './ecdhEsBody';
import { endpointKeyAgreement, importEndpointPrivateKey, importEndpointPublicKey } from './endpointKeys';
import { NiceProtocolError } from './niceProtocolError';

/** The only JWE key management algorithm bodies use (profile "Body"; never RSA1_5, digest §4.4). */
export const BODY_KEY_MANAGEMENT_ALGORITHM = 'ECDH-ES+A256KW';

/** The only JWE content encryption bodies use (profile "Body"; v0.9 §5.2.3 AES-GCM). */
export const BODY_CONTENT_ENCRYPTION = 'A256GCM';

/** How encodeBody writes Payload.Body: a JWE to the recipient's key, or plain JSON text. */
export type BodyEncoding =
  { encrypt: { recipientPublicJwk: JWK | CryptoKey; kid: string } } | { plain: true };

const FIELD = 'Payload.Body';
/** Compact JWE: five base64url parts (RFC 7516 §7.1); ECDH-ES+A256KW has an encrypted key. */
const COMPACT_JWE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function toJson(inner: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(inner);
  } catch {
    text = undefined;
  }
  if (text === undefined)
    throw new NiceProtocolError('MALFORMED', 'the inner body is not JSON-serialisable', FIELD);
  return text;
}

/**
 * Encodes the inner JSON of Payload.Body (v0.9 §4.2): with `encrypt`, a compact JWE (alg
 * ECDH-ES+A256KW, enc A256GCM, kid = recipient EndPointID; a fresh ephemeral key and random IV per
 * call, profile "Body"); with `plain`, JSON text for EncryptionOn false.
 */
export async function encodeBody(inner: unknown, options: BodyEncoding): Promise<string> {
  const json = toJson(inner);
  if ('plain' in options) return json;
  const { recipientPublicJwk, kid: rawKid } = options.encrypt;
  const kid = parseEndPointId(rawKid, 'kid');
  if ('kty' in recipientPublicJwk && recipientPublicJwk.kid !== undefined) {
    if (recipientPublicJwk.kid.toLowerCase() !== kid) {
      throw new NiceProtocolError('MALFORMED', "kid differs from the recipient key's kid", 'kid');
    }
  }
  const key = await importEndpointPublicKey(
    recipientPublicJwk,
    BODY_KEY_MANAGEMENT_ALGORITHM,
    'recipientPublicJwk',
  );
  return new CompactEncrypt(encoder.encode(json))
    .setProtectedHeader({ alg: BODY_KEY_MANAGEMENT_ALGORITHM, enc: BODY_CONTENT_ENCRYPTION, kid })
    .encrypt(key);
}

function parseInner(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new NiceProtocolError('MALFORMED', 'the body is not valid JSON', FIELD);
  }
}

/**
 * Opens a compact JWE body (profile "Body": ECDH-ES+A256KW / A256GCM only, no compression, kid
 * = our EndPointID when both name one) and returns the plaintext bytes unchanged, so ingest can
 * store exactly what the sender encrypted; decodeBody parses them as JSON. Surrounding white
 * space is ignored. Throws NiceProtocolError MALFORMED or DECRYPTION_FAILED naming `field`.
 */
export async function openJweBody(
  jwe: string,
  privateKey: JWK | CryptoKey | undefined,
  field: string,
): Promise<Uint8Array> {
  const text = jwe.trim();
  if (!COMPACT_JWE.test(text)) throw new NiceProtocolError('MALFORMED', 'expected a compact JWE', field);
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(text);
  } catch {
    throw new NiceProtocolError('MALFORMED', 'the JWE protected header is not valid', field);
  }
  if (header.alg !== BODY_KEY_MANAGEMENT_ALGORITHM || header.enc !== BODY_CONTENT_ENCRYPTION) {
    throw new NiceProtocolError(
      'MALFORMED',
      `only alg ${BODY_KEY_MANAGEMENT_ALGORITHM} with enc ${BODY_CONTENT_ENCRYPTION} is accepted`,
      field,
    );
  }
  if ('zip' in header) throw new NiceProtocolError('MALFORMED', 'compressed JWE bodies are refused', field);
  if (!privateKey) throw new NiceProtocolError('DECRYPTION_FAILED', 'no private key to open the body', field);
  if ('kty' in privateKey && typeof privateKey.kid === 'string' && typeof header.kid === 'string') {
    if (header.kid.toLowerCase() !== privateKey.kid.toLowerCase()) {
      throw new NiceProtocolError(
        'DECRYPTION_FAILED',
        'the body is encrypted to another endpoint (kid)',
        field,
      );
    }
  }
  // The common shape opens on node:crypto (see ecdhEsBody); anything else goes through jose.
  const agreement = endpointKeyAgreement(privateKey);
  if (agreement !== undefined) {
    let opened: Uint8Array | undefined;
    try {
      opened = openCanonicalBodyJwe(text, header, agreement);
    } catch {
      throw new NiceProtocolError('DECRYPTION_FAILED', 'the body cannot be decrypted with our key', field);
    }
    if (opened !== undefined) return opened;
  }
  const key = await importEndpointPrivateKey(privateKey, BODY_KEY_MANAGEMENT_ALGORITHM);
  try {
    const { plaintext } = await compactDecrypt(text, key, {
      keyManagementAlgorithms: [BODY_KEY_MANAGEMENT_ALGORITHM],
      contentEncryptionAlgorithms: [BODY_CONTENT_ENCRYPTION],
    });
    return plaintext;
  } catch {
    throw new NiceProtocolError('DECRYPTION_FAILED', 'the body cannot be decrypted with our key', field);
  }
}

/**
 * Decodes Payload.Body (v0.9 §4.2, profile "Body") to the inner JSON value. With `encryptionOn`
 * the body must be a compact JWE with exactly ECDH-ES+A256KW / A256GCM, opened with `privateJwk`;
 * without it the body must be plain JSON, never a JWE. An empty body (error responses, profile)
 * decodes to undefined. Throws NiceProtocolError 'MALFORMED' or 'DECRYPTION_FAILED' on field
 * Payload.Body.
 */
export async function decodeBody(
  body: string,
  encryptionOn: boolean,
  privateJwk?: JWK | CryptoKey,
): Promise<unknown> {
  if (body === '') return undefined;
  if (!encryptionOn) {
    if (COMPACT_JWE.test(body)) {
      throw new NiceProtocolError('MALFORMED', 'a JWE body while EncryptionOn is false', FIELD);
    }
    return parseInner(body);
  }
  if (!COMPACT_JWE.test(body)) {
    throw new NiceProtocolError('MALFORMED', 'EncryptionOn is true but the body is not a compact JWE', FIELD);
  }
  const plaintext = await openJweBody(body, privateJwk, FIELD);
  let text: string;
  try {
    text = decoder.decode(plaintext);
  } catch {
    throw new NiceProtocolError('MALFORMED', 'the decrypted body is not UTF-8', FIELD);
  }
  return parseInner(text);
}
