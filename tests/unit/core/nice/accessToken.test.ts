import { SignJWT, base64url, decodeJwt, decodeProtectedHeader, importJWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  issueAccessToken,
  requiredPermissionFor,
  verifyAccessToken,
  type AccessTokenGrant,
} from '../../../../src-main/core/nice/accessToken';
import { controlPath, dataPath, managementPath } from '../../../../src-main/core/nice/destinationId';
import { generateEndpointKeyPair, type EndpointKeyPair } from '../../../../src-main/core/nice/endpointKeys';

const as = '00000002-5eab-2e10-8003-000000000000';
const app = '00000002-5eab-2e10-8003-000000000007';
const device = '00000009-60fe-5e15-8002-000000001954';
const issuedAt = new Date(Date.UTC(2024, 5, 1, 8, 0, 0));
const at = (seconds: number) => new Date(issuedAt.getTime() + seconds * 1000);

const grant: AccessTokenGrant = { iss: as, sub: app, aud: device, Permissions: ['Control', 'Streaming'] };

let issuer: EndpointKeyPair;
let impostor: EndpointKeyPair;
beforeAll(async () => {
  issuer = await generateEndpointKeyPair(as);
  impostor = await generateEndpointKeyPair(as);
});

const issue = (claims: AccessTokenGrant = grant, expiresInSec = 3600) =>
  issueAccessToken(claims, issuer.privateJwk, { expiresInSec, now: issuedAt });

describe('issueAccessToken', () => {
  it('issues an ES256 JWT with the profile claims', async () => {
    const token = await issue({ ...grant, NodeIDs: ['0001'] });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', typ: 'JWT', kid: as });
    const claims = decodeJwt(token);
    expect(claims).toEqual({
      iss: as,
      sub: app,
      aud: device,
      iat: issuedAt.getTime() / 1000,
      nbf: issuedAt.getTime() / 1000,
      exp: issuedAt.getTime() / 1000 + 3600,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      Permissions: ['Control', 'Streaming'],
      NodeIDs: ['0001'],
    });
    expect(decodeJwt(await issue()).jti).not.toBe(claims.jti);
  });

  it('refuses lifetimes over 24 h and bad claims', async () => {
    await expect(issue(grant, 86_401)).rejects.toThrow(RangeError);
    await expect(issue(grant, 0)).rejects.toThrow(RangeError);
    await expect(issue({ ...grant, aud: 'somebody' })).rejects.toMatchObject({
      code: 'MALFORMED',
      field: 'aud',
    });
    await expect(issue({ ...grant, Permissions: ['Admin' as never] })).rejects.toThrow(RangeError);
    await expect(issue({ ...grant, NodeIDs: ['1'] })).rejects.toThrow(RangeError);
  });
});

describe('verifyAccessToken', () => {
  const verify = (token: string, extra: Partial<Parameters<typeof verifyAccessToken>[1]> = {}) =>
    verifyAccessToken(token, { issuerPublicJwk: issuer.publicJwk, now: at(10), ...extra });

  it('returns the verified claims for a good token', async () => {
    const token = await issue({ ...grant, aud: [app, device.toUpperCase()] });
    const claims = await verify(token, { audience: device, requiredPermission: 'Streaming', nodeId: '0001' });
    expect(claims).toMatchObject({
      iss: as,
      sub: app,
      aud: [app, device],
      Permissions: ['Control', 'Streaming'],
    });
    expect(claims.NodeIDs).toBeUndefined();
  });

  it('UNAUTHORIZED: bad signature, tampered payload, not a JWT', async () => {
    const token = await issue();
    await expect(verify(token, { issuerPublicJwk: impostor.publicJwk })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      field: 'AccessToken',
    });
    const [head, , signature] = token.split('.');
    const forged = base64url.encode(
      JSON.stringify({ ...decodeJwt(token), Permissions: ['Management', 'Control'] }),
    );
    await expect(verify(`${head}.${forged}.${signature}`)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(verify('')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(verify('not.a.jwt')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('UNAUTHORIZED: algorithms other than ES256, alg none included', async () => {
    const none = `${base64url.encode('{"alg":"none"}')}.${base64url.encode(JSON.stringify(decodeJwt(await issue())))}.`;
    await expect(verify(none)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const hmac = await new SignJWT({ Permissions: ['Control'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(as)
      .sign(new Uint8Array(32));
    await expect(verify(hmac)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('UNAUTHORIZED: expired and not yet valid, with the clock tolerance', async () => {
    const token = await issue(grant, 600);
    await expect(verify(token, { now: at(600 + 59) })).resolves.toBeTruthy();
    await expect(verify(token, { now: at(600 + 61) })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(verify(token, { now: at(600 + 61), clockToleranceSec: 120 })).resolves.toBeTruthy();
    await expect(verify(token, { now: at(-61) })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(verify(token, { now: at(-30) })).resolves.toBeTruthy();
    const later = await issueAccessToken(grant, issuer.privateJwk, {
      expiresInSec: 600,
      notBeforeSec: 300,
      now: issuedAt,
    });
    await expect(verify(later, { now: at(100) })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(verify(later, { now: at(301) })).resolves.toBeTruthy();
    await expect(verify(token, { clockToleranceSec: 301 })).rejects.toThrow(RangeError);
  });

  it('UNAUTHORIZED: lifetimes over 24 h and missing claims, even when well signed', async () => {
    const key = await importJWK(issuer.privateJwk, 'ES256');
    const iat = issuedAt.getTime() / 1000;
    const long = await new SignJWT({ Permissions: ['Control'] })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(as)
      .setSubject(app)
      .setAudience(device)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + 86_401)
      .setJti('x')
      .sign(key);
    await expect(verify(long)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const noJti = await new SignJWT({ Permissions: ['Control'] })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(as)
      .setSubject(app)
      .setAudience(device)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + 60)
      .sign(key);
    await expect(verify(noJti)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('UNAUTHORIZED: revoked jti (set or predicate) and unexpected issuer', async () => {
    const token = await issue();
    const { jti } = decodeJwt(token);
    await expect(verify(token, { revokedJtis: new Set([String(jti)]) })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    await expect(verify(token, { revokedJtis: (id) => id === jti })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    await expect(verify(token, { revokedJtis: new Set(['other']) })).resolves.toBeTruthy();
    await expect(verify(token, { issuer: device })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('FORBIDDEN: wrong audience, missing permission, NodeID outside the scope', async () => {
    const token = await issue({ ...grant, NodeIDs: ['0001'] });
    await expect(verify(token, { audience: app })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      field: 'AccessToken',
    });
    await expect(verify(token, { requiredPermission: 'Management' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(verify(token, { nodeId: '0002' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(
      verify(token, { nodeId: '0001', audience: device, requiredPermission: 'Control' }),
    ).resolves.toBeTruthy();
  });
});

describe('requiredPermissionFor', () => {
  it('maps commands to the permission the profile names', () => {
    expect(requiredPermissionFor(managementPath(device, 'GetDeviceStatus'))).toBe('Management');
    expect(requiredPermissionFor(managementPath(app, 'WebRTCSignaling'))).toBe('Management');
    expect(requiredPermissionFor(controlPath(device, '0001', 'GetStatus'))).toBe('Control');
    expect(requiredPermissionFor(controlPath(device, '0001', 'StartStreaming'))).toBe('Streaming');
    expect(requiredPermissionFor(controlPath(device, '0001', 'StopStreaming'))).toBe('Streaming');
    expect(requiredPermissionFor(dataPath(app, '0001', '0002'))).toBe('Data');
  });
});
