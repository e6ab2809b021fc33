import { describe, expect, it } from 'vitest';
import { importJWK, type JWK } from 'jose';
import {
  PUBLIC_KEY_CACHE_LIMIT,
  endpointKeyAgreement,
  generateEndpointKeyPair,
  importEndpointPrivateKey,
  importEndpointPublicKey,
  parseEndpointPrivateJwk,
  parseEndpointPublicJwk,
  toEndpointPublicJwk,
} from '../../../../src-main/core/nice/endpointKeys';

const device = '00000009-60fe-5e15-8002-000000001954';

describe('endpoint keys', () => {
  it('generates an EC P-256 pair with kid = EndPointID, the private half separate', async () => {
    const { publicJwk, privateJwk } = await generateEndpointKeyPair(device.toUpperCase());
    expect(publicJwk).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: expect.any(String),
      y: expect.any(String),
      kid: device,
    });
    expect(publicJwk).not.toHaveProperty('d');
    expect(privateJwk.d).toHaveLength(43);
    expect(toEndpointPublicJwk(privateJwk)).toEqual(publicJwk);
    const signing = await importEndpointPrivateKey(privateJwk, 'ES256');
    const agreement = await importEndpointPublicKey(publicJwk, 'ECDH-ES+A256KW');
    expect(signing.type).toBe('private');
    expect(agreement.type).toBe('public');
    expect(await importEndpointPublicKey(agreement, 'ECDH-ES+A256KW')).toBe(agreement);
  });

  it('validates JWKs, naming the member', async () => {
    const { publicJwk, privateJwk } = await generateEndpointKeyPair(device);
    expect(parseEndpointPublicJwk({ ...publicJwk, use: 'enc' })).toEqual(publicJwk);
    expect(() => parseEndpointPublicJwk({ ...publicJwk, crv: 'P-384' }, 'PeerJWK')).toThrow(
      expect.objectContaining({ code: 'MALFORMED', field: 'PeerJWK.crv' }),
    );
    expect(() => parseEndpointPublicJwk({ ...publicJwk, kty: 'RSA' })).toThrow(
      expect.objectContaining({ field: 'JWK.kty' }),
    );
    expect(() => parseEndpointPublicJwk(privateJwk)).toThrow(expect.objectContaining({ field: 'JWK.d' }));
    expect(() => parseEndpointPublicJwk({ ...publicJwk, x: 'short' })).toThrow(
      expect.objectContaining({ field: 'JWK.x' }),
    );
    expect(() => parseEndpointPublicJwk({ ...publicJwk, kid: 'device-1' })).toThrow(
      expect.objectContaining({ field: 'JWK.kid' }),
    );
    expect(() => parseEndpointPrivateJwk(publicJwk)).toThrow(expect.objectContaining({ field: 'JWK.d' }));
    await expect(importEndpointPublicKey({ ...publicJwk, crv: 'P-521' }, 'ES256')).rejects.toMatchObject({
      code: 'MALFORMED',
    });
  });

  it('imports each public key once per use, bounded, least recently used dropped first', async () => {
    const { publicJwk } = await generateEndpointKeyPair(device);
    const first = await importEndpointPublicKey({ ...publicJwk }, 'ECDH-ES+A256KW');
    expect(await importEndpointPublicKey({ ...publicJwk, use: 'enc' }, 'ECDH-ES+A256KW')).toBe(first);
    const verifying = await importEndpointPublicKey({ ...publicJwk }, 'ES256');
    expect(verifying).not.toBe(first);
    expect(verifying.algorithm).toMatchObject({ name: 'ECDSA' });
    // The cache still validates every JWK it is given.
    await expect(
      importEndpointPublicKey({ ...publicJwk, extra: 1 } as JWK, 'ECDH-ES+A256KW'),
    ).rejects.toMatchObject({
      code: 'MALFORMED',
      field: 'JWK.extra',
    });
    for (let i = 0; i < PUBLIC_KEY_CACHE_LIMIT; i += 1) {
      const peer = await generateEndpointKeyPair(device);
      await importEndpointPublicKey(peer.publicJwk, 'ES256');
      if (i % 64 === 0) await importEndpointPublicKey(publicJwk, 'ECDH-ES+A256KW'); // kept in use
    }
    expect(await importEndpointPublicKey({ ...publicJwk }, 'ECDH-ES+A256KW')).toBe(first);
    expect(await importEndpointPublicKey({ ...publicJwk }, 'ES256')).not.toBe(verifying);
  });

  it('remembers the private key in use, and drops it once another key is used', async () => {
    const a = await generateEndpointKeyPair(device);
    const b = await generateEndpointKeyPair(device);
    // Fresh copies (as the console identity hands them out) share one import.
    const first = await importEndpointPrivateKey({ ...a.privateJwk }, 'ES256');
    expect(await importEndpointPrivateKey({ ...a.privateJwk }, 'ES256')).toBe(first);
    expect(await importEndpointPrivateKey({ ...a.privateJwk }, 'ECDH-ES+A256KW')).not.toBe(first);
    // After key b (a rotation), a copy of key a is imported again: the old import was let go.
    await importEndpointPrivateKey({ ...b.privateJwk }, 'ES256');
    expect(await importEndpointPrivateKey({ ...a.privateJwk }, 'ES256')).not.toBe(first);
    // A JWK object the caller keeps is remembered with it, whatever else is used meanwhile.
    const held = { ...b.privateJwk };
    const heldKey = await importEndpointPrivateKey(held, 'ES256');
    await importEndpointPrivateKey({ ...a.privateJwk }, 'ES256');
    expect(await importEndpointPrivateKey(held, 'ES256')).toBe(heldKey);
    // ... unless its key members change.
    Object.assign(held, { x: a.privateJwk.x, y: a.privateJwk.y, d: a.privateJwk.d });
    expect(await importEndpointPrivateKey(held, 'ES256')).not.toBe(heldKey);
  });

  it('gives the ECDH context of a private key: JWK or ECDH CryptoKey, never a signing key', async () => {
    const { privateJwk, publicJwk } = await generateEndpointKeyPair(device);
    const point = Buffer.concat([
      Buffer.from([4]),
      Buffer.from(publicJwk.x, 'base64url'),
      Buffer.from(publicJwk.y, 'base64url'),
    ]);
    const fromJwk = endpointKeyAgreement({ ...privateJwk });
    expect(fromJwk?.getPublicKey()).toEqual(point);
    expect(endpointKeyAgreement({ ...privateJwk })).toBe(fromJwk);
    const { kty, crv, x, y, d } = privateJwk;
    const hidden = await importJWK({ kty, crv, x, y, d, ext: false }, 'ECDH-ES+A256KW');
    expect(endpointKeyAgreement(hidden)?.getPublicKey()).toEqual(point);
    expect(endpointKeyAgreement(await importJWK({ kty, crv, x, y, d }, 'ES256'))).toBeUndefined();
    expect(endpointKeyAgreement(await importEndpointPublicKey(publicJwk, 'ECDH-ES+A256KW'))).toBeUndefined();
    expect(() => endpointKeyAgreement({ ...privateJwk, d: 'short' })).toThrow(
      expect.objectContaining({ code: 'MALFORMED', field: 'privateJwk.d' }),
    );
  });
});
