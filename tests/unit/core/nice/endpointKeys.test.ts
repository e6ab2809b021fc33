import { describe, expect, it } from 'vitest';
import {
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
});
