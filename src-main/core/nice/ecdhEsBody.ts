import { createDecipheriv, createHash, type ECDH } from 'node:crypto';

/**
 * Opens the common shape of a profile "Body" JWE with node:crypto: compact, alg ECDH-ES+A256KW,
 * enc A256GCM, protected header of only alg / enc / kid / typ / cty / epk, and an epk of exactly
 * an EC P-256 public key (no apu / apv, crit or zip). Every other shape returns undefined so the
 * caller hands it to jose, which stays the reference for the whole of RFC 7516 / 7518.
 *
 * Why not jose for these too: jose 6 runs on WebCrypto, and on Node 20 one decrypt costs about
 * 1.3 ms of CPU even with our key imported once (a CPU profile: importing the epk JWK, then
 * deriveBits, digest, importKey, unwrapKey, exportKey, importKey and decrypt, each a WebCrypto job
 * with its own argument normalisation and promise), most of it on the event loop. The same steps
 * on node:crypto cost about 0.3 ms, nearly all of it the P-256 scalar multiplication. They are
 * exactly RFC 7518 §4.6 (ECDH-ES; Concat KDF with AlgorithmID = alg, empty PartyUInfo and
 * PartyVInfo, SuppPubInfo = 256), §4.4 (AES Key Wrap, RFC 3394 default IV) and §5.3 (AES-GCM, AAD =
 * the ASCII protected header); tests compare the result with jose's on jose-made bodies.
 *
 * Throws (any Error) when the body does not open; the caller reports DECRYPTION_FAILED.
 */
export function openCanonicalBodyJwe(
  compact: string,
  header: Record<string, unknown>,
  ecdh: ECDH,
): Uint8Array | undefined {
  const epk = canonicalEpk(header);
  if (epk === undefined) return undefined;
  const parts = compact.split('.');
  if (parts.length !== 5) return undefined;
  const [protectedHeader, encryptedKey, iv, ciphertext, tag] = parts as [
    string,
    string,
    string,
    string,
    string,
  ];
  // ECDH (OpenSSL checks the point is on P-256; P-256 has cofactor 1), then Concat KDF.
  const z = ecdh.computeSecret(Buffer.concat([UNCOMPRESSED, epk.x, epk.y]));
  const kek = createHash('sha256').update(KDF_ROUND_ONE).update(z).update(OTHER_INFO).digest();
  z.fill(0);
  const unwrap = createDecipheriv('id-aes256-wrap', kek, AES_KW_IV);
  const cek = Buffer.concat([unwrap.update(decode(encryptedKey, 40)), unwrap.final()]);
  kek.fill(0);
  try {
    const gcm = createDecipheriv('aes-256-gcm', cek, decode(iv, 12), { authTagLength: 16 });
    gcm.setAAD(Buffer.from(protectedHeader, 'latin1'));
    gcm.setAuthTag(decode(tag, 16));
    const opened = gcm.update(decode(ciphertext));
    gcm.final(); // verifies the tag; nothing is returned before it passes
    const plaintext = new Uint8Array(opened.length);
    plaintext.set(opened);
    opened.fill(0);
    return plaintext;
  } finally {
    cek.fill(0);
  }
}

const ALGORITHM = 'ECDH-ES+A256KW';
const UNCOMPRESSED = Buffer.from([0x04]);
const AES_KW_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');
const KDF_ROUND_ONE = Buffer.from([0, 0, 0, 1]);
/** Concat KDF OtherInfo (RFC 7518 §4.6.2): AlgorithmID, empty PartyUInfo and PartyVInfo, keydatalen. */
const OTHER_INFO = (() => {
  const out = Buffer.alloc(4 + ALGORITHM.length + 4 + 4 + 4);
  let at = out.writeUInt32BE(ALGORITHM.length, 0);
  at += out.write(ALGORITHM, at, 'ascii');
  at = out.writeUInt32BE(0, at);
  at = out.writeUInt32BE(0, at);
  out.writeUInt32BE(256, at);
  return out;
})();
const HEADER_MEMBERS = new Set(['alg', 'enc', 'kid', 'typ', 'cty', 'epk']);
const COORDINATE = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

/** The epk coordinates when the header has the common shape, else undefined. */
function canonicalEpk(header: Record<string, unknown>): { x: Buffer; y: Buffer } | undefined {
  for (const name of Object.keys(header)) if (!HEADER_MEMBERS.has(name)) return undefined;
  const epk = header.epk;
  if (typeof epk !== 'object' || epk === null || Array.isArray(epk)) return undefined;
  const { kty, crv, x, y, ...rest } = epk as Record<string, unknown>;
  if (kty !== 'EC' || crv !== 'P-256' || Object.keys(rest).length > 0) return undefined;
  // 32 bytes each, canonical base64url (the last character carries no stray bits).
  if (typeof x !== 'string' || typeof y !== 'string' || !COORDINATE.test(x) || !COORDINATE.test(y)) {
    return undefined;
  }
  return { x: Buffer.from(x, 'base64url'), y: Buffer.from(y, 'base64url') };
}

/** Strict base64url (the compact form was already checked for its alphabet), optionally of a fixed size. */
function decode(part: string, bytes?: number): Buffer {
  if (part.length % 4 === 1) throw new Error('not base64url');
  const out = Buffer.from(part, 'base64url');
  if (bytes !== undefined && out.length !== bytes) throw new Error('unexpected length');
  return out;
}
