import { createECDH, randomBytes, type ECDH } from 'node:crypto';
import {
  CompactEncrypt,
  base64url,
  compactDecrypt,
  decodeProtectedHeader,
  type CompactJWEHeaderParameters,
} from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { openCanonicalBodyJwe } from '../../../../src-main/core/nice/ecdhEsBody';
import {
  endpointKeyAgreement,
  generateEndpointKeyPair,
  importEndpointPrivateKey,
  importEndpointPublicKey,
  type EndpointKeyPair,
} from '../../../../src-main/core/nice/endpointKeys';

const device = '00000009-60fe-5e15-8002-000000001954';
const other = '00000009-60fe-5e15-8002-000000000002';
const encoder = new TextEncoder();

let recipient: EndpointKeyPair;
let agreement: ECDH;
beforeAll(async () => {
  recipient = await generateEndpointKeyPair(device);
  const ecdh = endpointKeyAgreement(recipient.privateJwk);
  if (!ecdh) throw new Error('no ECDH context for a P-256 JWK');
  agreement = ecdh;
});

async function seal(
  plaintext: Uint8Array,
  header: Partial<CompactJWEHeaderParameters> = {},
  parameters: { apu?: Uint8Array; apv?: Uint8Array } = {},
): Promise<string> {
  const key = await importEndpointPublicKey(recipient.publicJwk, 'ECDH-ES+A256KW');
  return new CompactEncrypt(plaintext)
    .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: device, ...header })
    .setKeyManagementParameters(parameters)
    .encrypt(key);
}

function open(jwe: string): Uint8Array | undefined {
  return openCanonicalBodyJwe(jwe, decodeProtectedHeader(jwe), agreement);
}

/** Replaces the protected header of `jwe` (its AAD changes with it, so GCM must refuse it). */
function withHeader(jwe: string, change: (header: Record<string, unknown>) => void): string {
  const header = decodeProtectedHeader(jwe) as Record<string, unknown>;
  change(header);
  return [base64url.encode(JSON.stringify(header)), ...jwe.split('.').slice(1)].join('.');
}

function flipLast(part: string): string {
  return `${part.slice(0, -2)}${part.at(-2) === 'A' ? 'B' : 'A'}${part.slice(-1)}`;
}

describe('openCanonicalBodyJwe (node:crypto, RFC 7518 §4.6 / §4.4 / §5.3)', () => {
  it('opens what jose encrypts, byte for byte, for many sizes', async () => {
    const privateKey = await importEndpointPrivateKey(recipient.privateJwk, 'ECDH-ES+A256KW');
    for (const size of [1, 15, 16, 17, 100, 2048, 2049, 20_000]) {
      const plaintext = randomBytes(size);
      const jwe = await seal(plaintext);
      const opened = open(jwe);
      expect(opened).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(opened ?? [])).toEqual(plaintext);
      expect((await compactDecrypt(jwe, privateKey)).plaintext).toEqual(opened);
    }
  });

  it('returns a Uint8Array of its own (not a view into a shared pool)', async () => {
    const opened = open(await seal(encoder.encode('{"a":1}')));
    expect(opened?.byteOffset).toBe(0);
    expect(opened?.buffer.byteLength).toBe(7);
  });

  it('leaves headers outside the common shape to jose', async () => {
    const body = encoder.encode('{}');
    expect(
      open(await seal(body, {}, { apu: encoder.encode('a'), apv: encoder.encode('b') })),
    ).toBeUndefined();
    const jwe = await seal(body);
    expect(open(withHeader(jwe, (header) => (header.crit = ['exp'])))).toBeUndefined();
    expect(open(withHeader(jwe, (header) => (header.jku = 'https://example.invalid')))).toBeUndefined();
    expect(open(withHeader(jwe, (header) => Object.assign(header.epk as object, { kid: 'x' })))).toBe(
      undefined,
    );
    expect(open(withHeader(jwe, (header) => Object.assign(header.epk as object, { crv: 'P-384' })))).toBe(
      undefined,
    );
    expect(open(withHeader(jwe, (header) => delete header.epk))).toBeUndefined();
    // A coordinate with stray bits in its last character is not canonical base64url.
    const strayBits = withHeader(jwe, (header) => {
      const epk = header.epk as { x: string };
      epk.x = `${epk.x.slice(0, -1)}B`;
    });
    expect(open(strayBits)).toBeUndefined();
    // Headers with only the members of the common shape are opened here.
    expect(open(await seal(body, { typ: 'JWE', cty: 'json' }))).toEqual(body);
  });

  it('throws on any tampering, another key or a point off the curve', async () => {
    const jwe = await seal(encoder.encode('{"Version":"1.0"}'));
    const parts = jwe.split('.');
    for (const index of [1, 2, 3, 4]) {
      const tampered = [...parts];
      tampered[index] = flipLast(tampered[index] ?? '');
      expect(() => open(tampered.join('.'))).toThrow();
    }
    // The AAD is the protected header as sent: a changed kid breaks the tag.
    expect(() => open(withHeader(jwe, (header) => (header.kid = other)))).toThrow();
    // An epk point that is not on P-256 (invalid-curve attack) is refused by OpenSSL.
    const offCurve = withHeader(jwe, (header) => {
      const epk = header.epk as { y: string };
      epk.y = base64url.encode(new Uint8Array(32).fill(1));
    });
    expect(() => open(offCurve)).toThrow();
    const stranger = createECDH('prime256v1');
    stranger.generateKeys();
    expect(() => openCanonicalBodyJwe(jwe, decodeProtectedHeader(jwe), stranger)).toThrow();
    // Wrong sizes of IV, tag or wrapped key.
    expect(() => open([parts[0], parts[1], 'AAAA', parts[3], parts[4]].join('.'))).toThrow();
    expect(() => open([parts[0], parts[1], parts[2], parts[3], 'AAAA'].join('.'))).toThrow();
    expect(() => open([parts[0], 'AAAA', parts[2], parts[3], parts[4]].join('.'))).toThrow();
    expect(() => open([parts[0], parts[1], parts[2], 'A', parts[4]].join('.'))).toThrow();
  });
});
