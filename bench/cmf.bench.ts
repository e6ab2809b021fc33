import {
  buildCmfRequest,
  parseCmfMessage,
  serializeCmfMessage,
  type CmfRequest,
} from '../src-main/core/nice/cmf';
import { decodeBody, encodeBody } from '../src-main/core/nice/cmfBody';
import {
  generateEndpointKeyPair,
  importEndpointPrivateKey,
  importEndpointPublicKey,
} from '../src-main/core/nice/endpointKeys';
import { writeBenchResult } from './benchResult';

// One CMF request end to end in one process: encode the body, build, serialise, parse (full
// v0.9 §4 validation), decode the body. Plain bodies are JSON text; JWE bodies use
// ECDH-ES+A256KW / A256GCM to a P-256 key, once with JWKs imported per call and once with keys
// imported beforehand (what a long-lived connection would hold).
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

/** Runs `round` for about `ms` after a warm-up and returns operations per second. */
async function rate(round: () => Promise<unknown> | unknown, ms: number): Promise<number> {
  for (let i = 0; i < 200; i += 1) await round();
  let count = 0;
  const started = process.hrtime.bigint();
  const limit = started + BigInt(ms) * 1_000_000n;
  while (process.hrtime.bigint() < limit) {
    for (let i = 0; i < 50; i += 1) await round();
    count += 50;
  }
  return Math.round(count / (Number(process.hrtime.bigint() - started) / 1e9));
}

const plainText = serializeCmfMessage(build(JSON.stringify(inner), false));
const plainBytes = await plainRound();
const jweBytes = await jweRound(true);
writeBenchResult(
  'cmf',
  'One StartStreaming CMF request per operation in one Node process: encodeBody + buildCmfRequest + serializeCmfMessage + parseCmfMessage (full v0.9 §4 validation) + decodeBody; JWE = ECDH-ES+A256KW/A256GCM to a P-256 key; 200 warm-up operations, then ~2 s of sequential operations per figure',
  {
    plainRoundTripsPerSecond: await rate(plainRound, 2000),
    jweRoundTripsPerSecondJwkKeys: await rate(() => jweRound(false), 2000),
    jweRoundTripsPerSecondImportedKeys: await rate(() => jweRound(true), 2000),
    parseOnlyPerSecond: await rate(() => parseOnly(plainText), 2000),
    plainMessageBytes: plainBytes,
    jweMessageBytes: jweBytes,
  },
);
