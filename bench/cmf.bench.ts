import {
  buildCmfRequest,
  parseCmfMessage,
  serializeCmfMessage,
  type CmfRequest,
} from '../src-main/core/nice/cmf';
import { compactDecrypt, importJWK } from 'jose';
import { decodeBody, encodeBody, openJweBody } from '../src-main/core/nice/cmfBody';
import {
  generateEndpointKeyPair,
  importEndpointPrivateKey,
  importEndpointPublicKey,
} from '../src-main/core/nice/endpointKeys';
import { writeBenchResult } from './benchResult';
import { generateSceneMark } from './support/sceneMarkGenerator';

// One CMF request end to end in one process: encode the body, build, serialise, parse (full
// v0.9 §4 validation), decode the body. Plain bodies are JSON text; JWE bodies use
// ECDH-ES+A256KW / A256GCM to a P-256 key, once with JWKs per call (validated each time, imported
// once by the key caches of endpointKeys) and once with keys imported beforehand. Decrypt-only figures open one
// ~2 KB SceneMark JWE the way CmfDataIntake does (openJweBody with a fresh copy of the private JWK
// per call, as the console identity hands it out), next to jose alone as the reference.
const app = '00000002-5eab-2e10-8003-000000000007';
const device = '00000009-60fe-5e15-8002-000000001954';
const inner = {
  Version: '1.0',
  NodeID: '0001',
  PortID: '0001',
  StreamID: '9b2f0c1e-4a63-4d55-8c1a-3c0f5e6d7a88',
  Video: { Width: 1280, Height: 720, FrameRate: 30, Codec: 'VP8' },
  Audio: false,
};
const token = `eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.${'x'.repeat(300)}.${'y'.repeat(86)}`;
const keys = await generateEndpointKeyPair(device);
const publicKey = await importEndpointPublicKey(keys.publicJwk, 'ECDH-ES+A256KW');
const privateKey = await importEndpointPrivateKey(keys.privateJwk, 'ECDH-ES+A256KW');

let commandId = 0;
function build(body: string, encryptionOn: boolean): CmfRequest {
  return buildCmfRequest({
    source: app,
    destination: device,
    commandType: `1/${device}/control/0001/StartStreaming`,
    commandId: commandId++,
    accessToken: token,
    encryptionOn,
    body,
  });
}

async function plainRound(): Promise<number> {
  const text = serializeCmfMessage(build(await encodeBody(inner, { plain: true }), false));
  const parsed = parseCmfMessage(text);
  await decodeBody(parsed.Payload.Body, false);
  return text.length;
}

async function jweRound(preImported: boolean): Promise<number> {
  const body = await encodeBody(inner, {
    encrypt: { recipientPublicJwk: preImported ? publicKey : keys.publicJwk, kid: device },
  });
  const text = serializeCmfMessage(build(body, true));
  const parsed = parseCmfMessage(text);
  await decodeBody(parsed.Payload.Body, true, preImported ? privateKey : keys.privateJwk);
  return text.length;
}

function parseOnly(text: string): void {
  parseCmfMessage(text);
}

/** Runs `round` for about `ms` after a warm-up: operations per second and process CPU µs per operation. */
async function measure(
  round: () => Promise<unknown> | unknown,
  ms: number,
): Promise<{ perSecond: number; cpuMicros: number }> {
  for (let i = 0; i < 200; i += 1) await round();
  let count = 0;
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const limit = started + BigInt(ms) * 1_000_000n;
  while (process.hrtime.bigint() < limit) {
    for (let i = 0; i < 50; i += 1) await round();
    count += 50;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  return { perSecond: Math.round(count / seconds), cpuMicros: Math.round((used.user + used.system) / count) };
}

async function rate(round: () => Promise<unknown> | unknown, ms: number): Promise<number> {
  return (await measure(round, ms)).perSecond;
}

const sceneMark = JSON.parse(new TextDecoder().decode(generateSceneMark(1))) as unknown;
const sceneMarkJwe = await encodeBody(sceneMark, {
  encrypt: { recipientPublicJwk: keys.publicJwk, kid: device },
});
const privateJwkText = JSON.stringify(keys.privateJwk);
const decryptOptions = {
  keyManagementAlgorithms: ['ECDH-ES+A256KW'],
  contentEncryptionAlgorithms: ['A256GCM'],
};

const plainText = serializeCmfMessage(build(JSON.stringify(inner), false));
const plainBytes = await plainRound();
const jweBytes = await jweRound(true);
const decrypt = await measure(
  () => openJweBody(sceneMarkJwe, JSON.parse(privateJwkText), 'Payload.Body'),
  3000,
);
const joseImportPerCall = await measure(async () => {
  const { kty, crv, x, y, d } = keys.privateJwk;
  return compactDecrypt(
    sceneMarkJwe,
    await importJWK({ kty, crv, x, y, d }, 'ECDH-ES+A256KW'),
    decryptOptions,
  );
}, 2000);
const joseImported = await measure(() => compactDecrypt(sceneMarkJwe, privateKey, decryptOptions), 2000);
const encrypt = await measure(
  () => encodeBody(sceneMark, { encrypt: { recipientPublicJwk: { ...keys.publicJwk }, kid: device } }),
  2000,
);
writeBenchResult(
  'cmf',
  'One StartStreaming CMF request per operation in one Node process: encodeBody + buildCmfRequest + serializeCmfMessage + parseCmfMessage (full v0.9 §4 validation) + decodeBody; JWE = ECDH-ES+A256KW/A256GCM to a P-256 key; decrypt/encrypt figures: openJweBody / encodeBody of one ~2 KB generated SceneMark (fresh JWK copies per call), jose compactDecrypt alone for reference (key imported per call = the former openJweBody, or once); CPU µs = process user+system time per operation; 200 warm-up operations, then ~2 s (decrypt ~3 s) of sequential operations per figure',
  {
    plainRoundTripsPerSecond: await rate(plainRound, 2000),
    jweRoundTripsPerSecondJwkKeys: await rate(() => jweRound(false), 2000),
    jweRoundTripsPerSecondImportedKeys: await rate(() => jweRound(true), 2000),
    decryptOnlyPerSecond: decrypt.perSecond,
    decryptOnlyCpuMicrosPerOp: decrypt.cpuMicros,
    joseDecryptPerSecondKeyImportedPerCall: joseImportPerCall.perSecond,
    joseDecryptCpuMicrosKeyImportedPerCall: joseImportPerCall.cpuMicros,
    joseDecryptPerSecondKeyImportedOnce: joseImported.perSecond,
    joseDecryptCpuMicrosKeyImportedOnce: joseImported.cpuMicros,
    encryptOnlyPerSecond: encrypt.perSecond,
    encryptOnlyCpuMicrosPerOp: encrypt.cpuMicros,
    parseOnlyPerSecond: await rate(() => parseOnly(plainText), 2000),
    plainMessageBytes: plainBytes,
    jweMessageBytes: jweBytes,
    sceneMarkJweBytes: sceneMarkJwe.length,
  },
);
