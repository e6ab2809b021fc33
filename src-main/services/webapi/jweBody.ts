import { compactDecrypt, decodeProtectedHeader, type CryptoKey, type JWK } from 'jose';
import { BODY_CONTENT_ENCRYPTION, BODY_KEY_MANAGEMENT_ALGORITHM } from '../../core/nice/cmfBody';
import { importEndpointPrivateKey } from '../../core/nice/endpointKeys';
import { NiceProtocolError } from '../../core/nice/niceProtocolError';

const compactJwe = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Opens a compact JWE body (profile "Body": ECDH-ES+A256KW / A256GCM only, kid = our
 * EndPointID) and returns the plaintext bytes unchanged. cmfBody's decodeBody applies the same
 * policy but returns parsed JSON; ingest needs the exact bytes the sender encrypted, to store
 * them verbatim. Throws NiceProtocolError MALFORMED or DECRYPTION_FAILED naming `field`.
 */
export async function openJweBody(
  jwe: string,
  privateKey: JWK | CryptoKey | undefined,
  field: string,
): Promise<Uint8Array> {
  const text = jwe.trim();
  if (!compactJwe.test(text)) throw new NiceProtocolError('MALFORMED', 'expected a compact JWE', field);
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
