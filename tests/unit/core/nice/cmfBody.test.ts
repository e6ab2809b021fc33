import { CompactEncrypt, base64url, generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeBody, encodeBody } from '../../../../src-main/core/nice/cmfBody';
import {
  generateEndpointKeyPair,
  importEndpointPublicKey,
  type EndpointKeyPair,
} from '../../../../src-main/core/nice/endpointKeys';

const device = '00000009-60fe-5e15-8002-000000001954';
const other = '00000009-60fe-5e15-8002-000000000002';
const inner = { Version: '1.0', NodeID: '0001', StreamID: 'c0ffee', Note: 'ünïcødé ✓' };

let recipient: EndpointKeyPair;
let stranger: EndpointKeyPair;
beforeAll(async () => {
  recipient = await generateEndpointKeyPair(device);
  stranger = await generateEndpointKeyPair(other);
});

function header(jwe: string): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(base64url.decode(jwe.split('.')[0] ?? ''))) as Record<
    string,
    unknown
  >;
}

describe('encodeBody / decodeBody', () => {
  it('encrypts to the recipient as a compact JWE (ECDH-ES+A256KW, A256GCM, kid) and decrypts', async () => {
    const body = await encodeBody(inner, {
      encrypt: { recipientPublicJwk: recipient.publicJwk, kid: device },
    });
    expect(body.split('.')).toHaveLength(5);
    expect(header(body)).toMatchObject({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: device });
    expect(await decodeBody(body, true, recipient.privateJwk)).toEqual(inner);
  });

  it('never reuses an IV or ephemeral key', async () => {
    const options = { encrypt: { recipientPublicJwk: recipient.publicJwk, kid: device } };
    const [a, b] = await Promise.all([encodeBody(inner, options), encodeBody(inner, options)]);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
    expect(header(a).epk).not.toEqual(header(b).epk);
  });

  it('writes and reads plain bodies when EncryptionOn is false', async () => {
    const body = await encodeBody(inner, { plain: true });
    expect(body).toBe(JSON.stringify(inner));
    expect(await decodeBody(body, false)).toEqual(inner);
    expect(await decodeBody('', true)).toBeUndefined();
  });

  it('fails with DECRYPTION_FAILED under the wrong key, a tampered body or no key', async () => {
    const body = await encodeBody(inner, {
      encrypt: { recipientPublicJwk: recipient.publicJwk, kid: device },
    });
    const strangerNoKid = { ...stranger.privateJwk, kid: undefined };
    await expect(decodeBody(body, true, strangerNoKid)).rejects.toMatchObject({
      code: 'DECRYPTION_FAILED',
      field: 'Payload.Body',
    });
    await expect(decodeBody(body, true, stranger.privateJwk)).rejects.toMatchObject({
      code: 'DECRYPTION_FAILED',
    });
    const parts = body.split('.');
    const ciphertext = parts[3] ?? '';
    parts[3] = `${ciphertext[0] === 'A' ? 'B' : 'A'}${ciphertext.slice(1)}`;
    await expect(decodeBody(parts.join('.'), true, recipient.privateJwk)).rejects.toMatchObject({
      code: 'DECRYPTION_FAILED',
    });
    await expect(decodeBody(body, true)).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
  });

  it('refuses plain JSON when EncryptionOn is true and a JWE when it is false', async () => {
    const jwe = await encodeBody(inner, {
      encrypt: { recipientPublicJwk: recipient.publicJwk, kid: device },
    });
    await expect(decodeBody(JSON.stringify(inner), true, recipient.privateJwk)).rejects.toMatchObject({
      code: 'MALFORMED',
      field: 'Payload.Body',
    });
    await expect(decodeBody(jwe, false)).rejects.toMatchObject({ code: 'MALFORMED', field: 'Payload.Body' });
    await expect(decodeBody('{not json', false)).rejects.toMatchObject({
      code: 'MALFORMED',
      field: 'Payload.Body',
    });
  });

  it('refuses other algorithms, RSA1_5 included', async () => {
    // jose 6 cannot even produce RSA1_5, so the NICE 1.1 style body is written by hand (digest §4.2).
    const rsa15 = `${base64url.encode(JSON.stringify({ alg: 'RSA1_5', enc: 'A256GCM', kid: device }))}.AAAA.AAAA.AAAA.AAAA`;
    await expect(decodeBody(rsa15, true, recipient.privateJwk)).rejects.toMatchObject({
      code: 'MALFORMED',
      field: 'Payload.Body',
    });
    const rsa = await generateKeyPair('RSA-OAEP-256', { extractable: true });
    const rsaBody = await new CompactEncrypt(new TextEncoder().encode('{}'))
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: device })
      .encrypt(rsa.publicKey);
    await expect(decodeBody(rsaBody, true, rsa.privateKey)).rejects.toMatchObject({
      code: 'MALFORMED',
      field: 'Payload.Body',
    });
    const { importJWK } = await import('jose');
    const ecdh = await importJWK({ ...recipient.publicJwk, kid: undefined }, 'ECDH-ES');
    const direct = await new CompactEncrypt(new TextEncoder().encode('{}'))
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A128GCM', kid: device })
      .encrypt(ecdh);
    await expect(decodeBody(direct, true, recipient.privateJwk)).rejects.toMatchObject({ code: 'MALFORMED' });
    const fakeHeader = `${base64url.encode('{"alg":"none"}')}.a.b.c.d`;
    await expect(decodeBody(fakeHeader, true, recipient.privateJwk)).rejects.toMatchObject({
      code: 'MALFORMED',
    });
    await expect(decodeBody('a.b.c.d.e', true, recipient.privateJwk)).rejects.toMatchObject({
      code: 'MALFORMED',
    });
  });

  it('refuses a kid that contradicts the recipient key, and non-JSON inner values', async () => {
    await expect(
      encodeBody(inner, { encrypt: { recipientPublicJwk: recipient.publicJwk, kid: other } }),
    ).rejects.toMatchObject({ field: 'kid' });
    await expect(encodeBody(undefined, { plain: true })).rejects.toMatchObject({ field: 'Payload.Body' });
    await expect(encodeBody({ n: 1n }, { plain: true })).rejects.toMatchObject({ field: 'Payload.Body' });
  });

  it('opens bodies outside the common shape through jose (apu / apv)', async () => {
    const key = await importEndpointPublicKey(recipient.publicJwk, 'ECDH-ES+A256KW');
    const body = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(inner)))
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: device })
      .setKeyManagementParameters({ apu: new Uint8Array([1, 2]), apv: new Uint8Array([3, 4]) })
      .encrypt(key);
    expect(header(body)).toMatchObject({ apu: 'AQI', apv: 'AwQ' });
    expect(await decodeBody(body, true, recipient.privateJwk)).toEqual(inner);
    const parts = body.split('.');
    parts[4] = `${(parts[4] ?? '').startsWith('A') ? 'B' : 'A'}${(parts[4] ?? '').slice(1)}`;
    await expect(decodeBody(parts.join('.'), true, recipient.privateJwk)).rejects.toMatchObject({
      code: 'DECRYPTION_FAILED',
      field: 'Payload.Body',
    });
  });

  it('opens with CryptoKeys (extractable or not) and refuses keys not made for ECDH', async () => {
    const body = await encodeBody(inner, {
      encrypt: { recipientPublicJwk: recipient.publicJwk, kid: device },
    });
    const { importJWK } = await import('jose');
    const { kty, crv, x, y, d } = recipient.privateJwk;
    for (const extractable of [true, false]) {
      const key = await importJWK({ kty, crv, x, y, d, ext: extractable }, 'ECDH-ES+A256KW');
      expect(await decodeBody(body, true, key)).toEqual(inner);
    }
    const signing = await importJWK({ kty, crv, x, y, d }, 'ES256');
    await expect(decodeBody(body, true, signing)).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
  });

  it('follows the key in use: fresh JWK copies, another key, then the first again', async () => {
    const toRecipient = await encodeBody(inner, {
      encrypt: { recipientPublicJwk: recipient.publicJwk, kid: device },
    });
    const toStranger = await encodeBody(inner, {
      encrypt: { recipientPublicJwk: { ...stranger.publicJwk }, kid: other },
    });
    for (let round = 0; round < 2; round += 1) {
      expect(await decodeBody(toRecipient, true, { ...recipient.privateJwk })).toEqual(inner);
      expect(await decodeBody(toStranger, true, { ...stranger.privateJwk })).toEqual(inner);
      await expect(
        decodeBody(toRecipient, true, { ...stranger.privateJwk, kid: undefined }),
      ).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
    }
    // A mutated JWK object is a different key, not the one remembered for the object.
    const mutable: Record<string, unknown> = { ...recipient.privateJwk };
    expect(await decodeBody(toRecipient, true, mutable)).toEqual(inner);
    Object.assign(mutable, { x: stranger.privateJwk.x, y: stranger.privateJwk.y, d: stranger.privateJwk.d });
    await expect(decodeBody(toRecipient, true, { ...mutable, kid: undefined })).rejects.toMatchObject({
      code: 'DECRYPTION_FAILED',
    });
    await expect(decodeBody(toStranger, true, { ...mutable, kid: other })).resolves.toEqual(inner);
  });

  it('reports a malformed private JWK as before, naming the member', async () => {
    const body = await encodeBody(inner, {
      encrypt: { recipientPublicJwk: recipient.publicJwk, kid: device },
    });
    await expect(decodeBody(body, true, { ...recipient.privateJwk, d: 'short' })).rejects.toMatchObject({
      code: 'MALFORMED',
      field: 'privateJwk.d',
    });
  });
});
