import { CompactEncrypt, importJWK } from 'jose';
import { createHash, randomBytes } from 'node:crypto';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { issueAccessToken, verifyAccessToken } from '../../../src-main/core/nice/accessToken';
import { buildCmfRequest } from '../../../src-main/core/nice/cmf';
import { decodeBody, encodeBody } from '../../../src-main/core/nice/cmfBody';
import { generateEndpointKeyPair, type EndpointKeyPair } from '../../../src-main/core/nice/endpointKeys';
import { NiceProtocolError } from '../../../src-main/core/nice/niceProtocolError';
import { WebApiClient, WebApiHttpError } from '../../../src-main/services/webapi/webApiClient';
import type {
  SceneDataDelivery,
  SceneMarkDelivery,
  WebApiIngestSink,
  WebApiRejection,
} from '../../../src-main/services/webapi/webApiIngestSink';
import {
  startWebApiServer,
  type WebApiServer,
  type WebApiServerOptions,
} from '../../../src-main/services/webapi/webApiServer';
import { httpProbe, type HttpProbeResponse } from '../../support/httpProbe';
import { sampleSceneMark } from '../../support/sceneMarkSamples';
import { createSelfSignedCertificate, type SelfSignedCertificate } from '../../support/testCertificates';

const consoleId = '00000002-5eab-2e3d-8003-000100000001';
const deviceId = '00000013-60ed-9b3e-8002-000000001951';
const issuerId = '00000002-5eab-2e10-8003-000000000000';
const dataPath = `/1/${consoleId}/data/0001/0002`;

let certificate: SelfSignedCertificate;
let issuer: EndpointKeyPair;
let consoleKeys: EndpointKeyPair;
let deviceKeys: EndpointKeyPair;
let dataToken: string;
let controlOnlyToken: string;

beforeAll(async () => {
  certificate = createSelfSignedCertificate();
  issuer = await generateEndpointKeyPair(issuerId);
  consoleKeys = await generateEndpointKeyPair(consoleId);
  deviceKeys = await generateEndpointKeyPair(deviceId);
  const grant = { iss: issuerId, sub: deviceId, aud: consoleId };
  dataToken = await issueAccessToken({ ...grant, Permissions: ['Data'] }, issuer.privateJwk, {
    expiresInSec: 600,
  });
  controlOnlyToken = await issueAccessToken({ ...grant, Permissions: ['Control'] }, issuer.privateJwk, {
    expiresInSec: 600,
  });
});

/** Records what reaches the sink, as the store would. */
class RecordingSink implements WebApiIngestSink {
  sceneMarks: SceneMarkDelivery[] = [];
  sceneData: SceneDataDelivery[] = [];
  rejects: WebApiRejection[] = [];
  failWith: Error | undefined;
  onSceneMark(delivery: SceneMarkDelivery): void {
    if (this.failWith) throw this.failWith;
    this.sceneMarks.push(delivery);
  }
  onSceneData(delivery: SceneDataDelivery): void {
    this.sceneData.push(delivery);
  }
  onReject(rejection: WebApiRejection): void {
    this.rejects.push(rejection);
  }
}

let server: WebApiServer;
let sink: RecordingSink;
const extraServers: WebApiServer[] = [];

async function startServer(overrides: Partial<WebApiServerOptions> = {}): Promise<WebApiServer> {
  return startWebApiServer({
    consoleEndPointId: consoleId,
    tls: certificate,
    privateKey: consoleKeys.privateJwk,
    peerPublicKey: async (id) => (id === deviceId ? deviceKeys.publicJwk : undefined),
    verifyBearer: async (token) => {
      await verifyAccessToken(token, {
        issuerPublicJwk: issuer.publicJwk,
        audience: consoleId,
        requiredPermission: 'Data',
      });
    },
    sink,
    maxBodyBytes: 256 * 1024,
    rateLimit: false,
    ...overrides,
  });
}

beforeEach(async () => {
  sink = new RecordingSink();
  server = await startServer();
});

afterEach(async () => {
  await server.close();
  for (const extra of extraServers.splice(0)) await extra.close();
});

/** One HTTPS (or HTTP) request with exactly these headers; returns what the server wrote. */
function send(
  target: WebApiServer,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string | Uint8Array } = {},
): Promise<HttpProbeResponse> {
  return httpProbe(new URL(path, target.origin), { ...options, method, ca: certificate.cert, agent: false });
}

const json = (token = dataToken): Record<string, string> => ({
  'Content-Type': 'application/json',
  Accept: 'application/json',
  Authorization: `Bearer ${token}`,
});

/** A SceneMark written the way some devices do: variant spellings, odd spacing, numbers as text. */
function variantSceneMarkText(n = 1): string {
  const mark = sampleSceneMark(deviceId, n) as Record<string, unknown> & { TimeStamp: string };
  const { TimeStamp, ...rest } = mark;
  return `{ "Timestamp" : "${TimeStamp}",\n  ${JSON.stringify(rest).slice(1, -1).replace('"JPEG"', '"H264"')} }\n`;
}

function expectJsonHeaders(reply: HttpProbeResponse): void {
  expect(reply.headers['content-type']).toMatch(/^application\/json/);
  expect(reply.headers['x-content-type-options']).toBe('nosniff');
}

async function cmfFor(inner: string, encryptionOn: boolean, commandId = 1): Promise<string> {
  const body = encryptionOn
    ? await new CompactEncrypt(new TextEncoder().encode(inner))
        .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: consoleId })
        .encrypt(await importJWK(consoleKeys.publicJwk, 'ECDH-ES+A256KW'))
    : inner;
  return JSON.stringify(
    buildCmfRequest({
      source: deviceId,
      destination: consoleId,
      commandType: `1/${consoleId}/data/0001/0002`,
      commandId,
      accessToken: dataToken,
      encryptionOn,
      body,
    }),
  );
}

describe('WebAPI data server: delivery on the three paths', () => {
  it('SetSceneMark with application/json delivers the exact bytes, normalised (200 {})', async () => {
    const text = variantSceneMarkText();
    const reply = await send(server, 'POST', `${dataPath}/SetSceneMark`, { headers: json(), body: text });
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('{}');
    expectJsonHeaders(reply);
    expect(sink.sceneMarks).toHaveLength(1);
    const [delivery] = sink.sceneMarks;
    expect(Buffer.from(delivery?.original ?? []).toString('utf8')).toBe(text);
    expect(delivery?.sceneMark.SceneDataList?.[0]?.MediaFormat).toBe('H.264');
    expect(delivery?.normalised).toMatchObject({
      deviceId,
      nodeId: '0001',
      portId: '0002',
      eventType: 'ItemPresence',
    });
    expect(delivery?.source).toMatchObject({
      transport: 'https',
      api: 'SetSceneMark',
      nodeId: '0001',
      portId: '0002',
    });
  });

  it('SetSceneMark with a text/plain JWE delivers the decrypted bytes unchanged', async () => {
    const text = variantSceneMarkText(2);
    const jwe = await new CompactEncrypt(new TextEncoder().encode(text))
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: consoleId })
      .encrypt(await importJWK(consoleKeys.publicJwk, 'ECDH-ES+A256KW'));
    const reply = await send(server, 'POST', `${dataPath}/SetSceneMark`, {
      headers: { ...json(), 'Content-Type': 'text/plain' },
      body: jwe,
    });
    expect(reply.status).toBe(200);
    expect(Buffer.from(sink.sceneMarks[0]?.original ?? []).toString('utf8')).toBe(text);
    expect(sink.sceneMarks[0]?.source.encrypted).toBe(true);
  });

  it('the v0.9 data path takes a CMF request (plain and JWE body) and answers a CMF response', async () => {
    const text = variantSceneMarkText(3);
    const plain = await send(server, 'POST', dataPath, {
      headers: json(),
      body: await cmfFor(text, false, 7),
    });
    expect(plain.status).toBe(200);
    expectJsonHeaders(plain);
    const response = JSON.parse(plain.body) as Record<string, unknown>;
    expect(response).toMatchObject({
      MessageType: 'response',
      ReplyID: 7,
      ReplyStatusCode: 200,
      ReplyErrorCode: 0,
    });
    expect(JSON.parse((response.Payload as { Body: string }).Body)).toEqual({ Version: '1.0', Result: 'OK' });

    const encrypted = await send(server, 'POST', dataPath, {
      headers: json(),
      body: await cmfFor(text, true, 8),
    });
    expect(encrypted.status).toBe(200);
    const encryptedResponse = JSON.parse(encrypted.body) as {
      EncryptionOn: boolean;
      Payload: { Body: string };
    };
    expect(encryptedResponse.EncryptionOn).toBe(true);
    // The OK body is encrypted to the device's key, as the profile asks when EncryptionOn.
    expect(await decodeBody(encryptedResponse.Payload.Body, true, deviceKeys.privateJwk)).toEqual({
      Version: '1.0',
      Result: 'OK',
    });

    expect(sink.sceneMarks.map((delivery) => Buffer.from(delivery.original).toString('utf8'))).toEqual([
      text,
      text,
    ]);
    expect(sink.sceneMarks[1]?.source).toMatchObject({
      api: 'data',
      encrypted: true,
      sourceEndPointId: deviceId,
    });
  });

  it('WebApiClient round trip against the CMF path: typed response with latency, typed errors', async () => {
    const client = new WebApiClient({ ca: certificate.cert, timeoutMs: 5_000 });
    try {
      const body = await encodeBody(sampleSceneMark(deviceId, 9), { plain: true });
      const request = buildCmfRequest({
        source: deviceId,
        destination: consoleId,
        commandType: `1/${consoleId}/data/0001/0002`,
        commandId: 42,
        accessToken: dataToken,
        encryptionOn: false,
        body,
      });
      const exchange = await client.postCmf(`${server.origin}${dataPath}`, request);
      expect(exchange.status).toBe(200);
      expect(exchange.response.ReplyID).toBe(42);
      expect(exchange.latencyMs).toBeGreaterThan(0);
      expect(sink.sceneMarks).toHaveLength(1);

      const refused = await client
        .postCmf(`${server.origin}${dataPath}`, { ...request, CommandID: 43 }, { bearer: controlOnlyToken })
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(WebApiHttpError);
      expect((refused as WebApiHttpError).status).toBe(403);
      expect((refused as WebApiHttpError).message).toMatch(/^HTTP 403 Forbidden/);

      const invalid = await client
        .postCmf(`${server.origin}${dataPath}`, {
          ...request,
          CommandID: 44,
          Payload: { Body: '{"Version":"1.0"}' },
        })
        .catch((error: unknown) => error);
      expect((invalid as WebApiHttpError).status).toBe(400);
      expect((invalid as WebApiHttpError).cmfResponse?.ReplyStatusCode).toBe(400);
      expect((invalid as WebApiHttpError).cmfResponse?.ReplyStatusMessage).toMatch(/TimeStamp/);

      const unreachable = await new WebApiClient({ ca: certificate.cert, timeoutMs: 2_000 })
        .postCmf(`https://127.0.0.1:1${dataPath}`, request)
        .catch((error: unknown) => error);
      expect(unreachable).toBeInstanceOf(NiceProtocolError);
      expect((unreachable as NiceProtocolError).code).toBe('UNAVAILABLE');
    } finally {
      client.close();
    }
  });
});

describe('WebAPI data server: refusals reach onReject', () => {
  it('an invalid SceneMark is answered 400 naming the field and reported with its verbatim bytes', async () => {
    const mark = sampleSceneMark(deviceId, 1) as {
      AnalysisList: { DetectedObjects: { Probability: number }[] }[];
    };
    const first = mark.AnalysisList[0]?.DetectedObjects[0];
    if (first) first.Probability = 1.7;
    const text = JSON.stringify(mark, null, 1);
    const reply = await send(server, 'POST', `${dataPath}/SetSceneMark`, { headers: json(), body: text });
    expect(reply.status).toBe(400);
    expectJsonHeaders(reply);
    const error = JSON.parse(reply.body) as { Field: string; Message: string };
    expect(error.Field).toBe('AnalysisList.0.DetectedObjects.0.Probability');
    expect(sink.sceneMarks).toHaveLength(0);
    expect(sink.rejects).toHaveLength(1);
    expect(Buffer.from(sink.rejects[0]?.original ?? []).toString('utf8')).toBe(text);
    expect(sink.rejects[0]?.field).toBe('AnalysisList.0.DetectedObjects.0.Probability');
    expect(sink.rejects[0]?.reason).toMatch(/above 1/);
  });

  it('not JSON on the CMF path: 400, reported with the whole body', async () => {
    const reply = await send(server, 'POST', dataPath, { headers: json(), body: '{"MessageType":' });
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body)).toMatchObject({ StatusCode: 400, Field: '$' });
    expect(Buffer.from(sink.rejects[0]?.original ?? []).toString('utf8')).toBe('{"MessageType":');
  });

  it('a CMF request posted to another port than its CommandType names: 400 CMF response', async () => {
    const reply = await send(server, 'POST', `/1/${consoleId}/data/0001/0003`, {
      headers: json(),
      body: await cmfFor(variantSceneMarkText(), false),
    });
    expect(reply.status).toBe(400);
    const response = JSON.parse(reply.body) as { ReplyStatusCode: number; ReplyStatusMessage: string };
    expect(response.ReplyStatusCode).toBe(400);
    expect(response.ReplyStatusMessage).toMatch(/^CommandType/);
    expect(sink.rejects[0]?.field).toBe('CommandType');
  });

  it('a JWE to another key is refused as undecryptable', async () => {
    const stranger = await generateEndpointKeyPair(deviceId);
    const jwe = await new CompactEncrypt(new TextEncoder().encode(variantSceneMarkText()))
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: consoleId })
      .encrypt(await importJWK(stranger.publicJwk, 'ECDH-ES+A256KW'));
    const reply = await send(server, 'POST', `${dataPath}/SetSceneMark`, {
      headers: { ...json(), 'Content-Type': 'text/plain' },
      body: jwe,
    });
    expect(reply.status).toBe(400);
    expect(sink.rejects[0]?.reason).toMatch(/cannot be decrypted/);
    expect(Buffer.from(sink.rejects[0]?.original ?? []).toString('utf8')).toBe(jwe);
  });
});

describe('WebAPI data server: SceneData', () => {
  function sections(file: Buffer, count: number, hash = createHash('sha256').update(file).digest('hex')) {
    const size = Math.ceil(file.length / count);
    return Array.from({ length: count }, (_, i) => ({
      Version: '1.0',
      DataID: 'SDT_dev_0001_00000001',
      FileType: 'Image',
      FileName: 'frame.jpg',
      PathURI: '',
      Section: i + 1,
      LastSection: count,
      HashMethod: 'SHA256',
      OriginalFileHash: hash,
      SectionBase64: file.subarray(i * size, (i + 1) * size).toString('base64'),
      MediaFormat: 'JPEG',
    }));
  }

  it('sections sent in random order reassemble into the original file', async () => {
    const file = randomBytes(100_000);
    const parts = sections(file, 7);
    const order = [4, 0, 6, 2, 5, 1, 3];
    for (const index of order) {
      const reply = await send(server, 'POST', `${dataPath}/SetSceneData`, {
        headers: json(),
        body: JSON.stringify(parts[index]),
      });
      expect(reply.status).toBe(200);
    }
    expect(sink.sceneData).toHaveLength(1);
    expect(Buffer.from(sink.sceneData[0]?.file.bytes ?? []).equals(file)).toBe(true);
    expect(sink.sceneData[0]?.file).toMatchObject({
      dataId: 'SDT_dev_0001_00000001',
      sections: 7,
      mediaFormat: 'JPEG',
    });
  });

  it('a section on the v0.9 CMF data path is recognised as SceneData', async () => {
    const file = randomBytes(1000);
    const [only] = sections(file, 1);
    const reply = await send(server, 'POST', dataPath, {
      headers: json(),
      body: await cmfFor(JSON.stringify(only), false),
    });
    expect(reply.status).toBe(200);
    expect(Buffer.from(sink.sceneData[0]?.file.bytes ?? []).equals(file)).toBe(true);
  });

  it('a wrong OriginalFileHash is refused on the last section and reported', async () => {
    const file = randomBytes(5000);
    const parts = sections(file, 2, createHash('sha256').update('something else').digest('hex'));
    const first = await send(server, 'POST', `${dataPath}/SetSceneData`, {
      headers: json(),
      body: JSON.stringify(parts[1]),
    });
    expect(first.status).toBe(200);
    const last = await send(server, 'POST', `${dataPath}/SetSceneData`, {
      headers: json(),
      body: JSON.stringify(parts[0]),
    });
    expect(last.status).toBe(400);
    expect(JSON.parse(last.body)).toMatchObject({ Field: 'OriginalFileHash' });
    expect(sink.sceneData).toHaveLength(0);
    expect(sink.rejects[0]?.field).toBe('OriginalFileHash');
  });

  it('an incomplete object is dropped after its timeout and reported, not lost silently', async () => {
    const timed = await startServer({ sceneData: { timeoutMs: 1, sweepIntervalMs: 60_000 } });
    extraServers.push(timed);
    const parts = sections(randomBytes(3000), 3);
    await send(timed, 'POST', `${dataPath}/SetSceneData`, {
      headers: json(),
      body: JSON.stringify(parts[0]),
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    await timed.sweepSceneData();
    expect(sink.rejects).toHaveLength(1);
    expect(sink.rejects[0]?.reason).toMatch(/2 of 3 sections missing/);
    expect(sink.rejects[0]?.original.byteLength).toBe(1000);
  });
});

describe('WebAPI data server: every v0.9 §7.3 status a client can cause', () => {
  const mark = (): string => JSON.stringify(sampleSceneMark(deviceId, 1));

  it('401 without a token, with a bad token, and a token only in the query string', async () => {
    const headers = json();
    delete headers.Authorization;
    const missing = await send(server, 'POST', `${dataPath}/SetSceneMark`, { headers, body: mark() });
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    expectJsonHeaders(missing);
    const bad = await send(server, 'POST', `${dataPath}/SetSceneMark`, {
      headers: json('not.a.jwt'),
      body: mark(),
    });
    expect(bad.status).toBe(401);
    const query = await send(server, 'POST', `${dataPath}/SetSceneMark?access_token=${dataToken}`, {
      headers,
      body: mark(),
    });
    expect(query.status).toBe(400);
    expect(JSON.parse(query.body)).toMatchObject({ Field: 'query' });
    expect(sink.sceneMarks).toHaveLength(0);
  });

  it('403 for a valid token without the Data permission', async () => {
    const reply = await send(server, 'POST', `${dataPath}/SetSceneMark`, {
      headers: json(controlOnlyToken),
      body: mark(),
    });
    expect(reply.status).toBe(403);
    expectJsonHeaders(reply);
  });

  it('404 for unknown paths, another EndPointID, a bad NodeID and an unknown API', async () => {
    for (const path of [
      '/',
      '/1/management/x',
      `/1/00000000-0000-0000-0000-000000000000/data/0001/0002`,
      `/1/${consoleId}/data/xyz/0002`,
      `${dataPath}/SetSomethingElse`,
      `/2/${consoleId}/data/0001/0002`,
    ]) {
      const reply = await send(server, 'POST', path, { headers: json(), body: mark() });
      expect(reply.status, path).toBe(404);
      expectJsonHeaders(reply);
    }
  });

  it('405 with Allow: POST for other methods', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const reply = await send(server, method, `${dataPath}/SetSceneMark`, { headers: json() });
      expect(reply.status, method).toBe(405);
      expect(reply.headers.allow).toBe('POST');
      expectJsonHeaders(reply);
    }
  });

  it('406 when the client does not accept application/json; 200 for */* and q-values', async () => {
    const refused = await send(server, 'POST', `${dataPath}/SetSceneMark`, {
      headers: { ...json(), Accept: 'text/html, application/json;q=0' },
      body: mark(),
    });
    expect(refused.status).toBe(406);
    expectJsonHeaders(refused);
    const wildcard = await send(server, 'POST', `${dataPath}/SetSceneMark`, {
      headers: { ...json(), Accept: 'text/html;q=0.9, */*;q=0.1' },
      body: mark(),
    });
    expect(wildcard.status).toBe(200);
  });

  it('413 above the body limit', async () => {
    const reply = await send(server, 'POST', `${dataPath}/SetSceneMark`, {
      headers: json(),
      body: `{"x":"${'a'.repeat(300 * 1024)}"}`,
    });
    expect(reply.status).toBe(413);
    expectJsonHeaders(reply);
  });

  it('415 for other content types (and for text/plain on the CMF path)', async () => {
    const xml = await send(server, 'POST', `${dataPath}/SetSceneMark`, {
      headers: { ...json(), 'Content-Type': 'application/xml' },
      body: '<a/>',
    });
    expect(xml.status).toBe(415);
    expectJsonHeaders(xml);
    const form = await send(server, 'POST', dataPath, {
      headers: { ...json(), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'a=b',
    });
    expect(form.status).toBe(415);
    const text = await send(server, 'POST', dataPath, {
      headers: { ...json(), 'Content-Type': 'text/plain' },
      body: 'x',
    });
    expect(text.status).toBe(415);
  });

  it('429 once a client exceeds the rate limit', async () => {
    const limited = await startServer({ rateLimit: { max: 3, timeWindowMs: 60_000 } });
    extraServers.push(limited);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const reply = await send(limited, 'POST', `${dataPath}/SetSceneMark`, {
        headers: json(),
        body: mark(),
      });
      statuses.push(reply.status);
      if (reply.status === 429) expectJsonHeaders(reply);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });

  it('500 without a stack when the sink fails', async () => {
    sink.failWith = new Error('disk full at /secret/path');
    const reply = await send(server, 'POST', `${dataPath}/SetSceneMark`, { headers: json(), body: mark() });
    expect(reply.status).toBe(500);
    expectJsonHeaders(reply);
    expect(reply.body).not.toMatch(/secret|at .*\.ts/);
    expect(JSON.parse(reply.body)).toMatchObject({ StatusCode: 500, Message: 'internal error' });
  });
});

describe('WebAPI data server: transport', () => {
  it('refuses TLS 1.1 and negotiates TLS 1.2 with a v0.9 §5.2 suite', async () => {
    const port = server.port;
    const old = await new Promise<string>((resolve) => {
      const socket = tlsConnect({
        host: '127.0.0.1',
        port,
        ca: certificate.cert,
        maxVersion: 'TLSv1.1',
        minVersion: 'TLSv1',
      });
      socket.on('secureConnect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.on('error', () => resolve('refused'));
    });
    expect(old).toBe('refused');
    const cipher = await new Promise<string>((resolve, reject) => {
      const socket = tlsConnect(
        { host: '127.0.0.1', port, ca: certificate.cert, maxVersion: 'TLSv1.2' },
        () => {
          resolve(socket.getCipher().standardName);
          socket.destroy();
        },
      );
      socket.on('error', reject);
    });
    expect(cipher).toBe('TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384');
  });

  it('serves plain HTTP for tests on loopback only, and never without TLS elsewhere', async () => {
    const plain = await startServer({ tls: undefined, plainHttpForTests: true });
    extraServers.push(plain);
    expect(plain.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const reply = await send(plain, 'POST', `${dataPath}/SetSceneMark`, {
      headers: json(),
      body: JSON.stringify(sampleSceneMark(deviceId, 5)),
    });
    expect(reply.status).toBe(200);
    await expect(startServer({ tls: undefined, plainHttpForTests: true, host: '0.0.0.0' })).rejects.toThrow(
      /loopback/,
    );
    await expect(startServer({ tls: undefined })).rejects.toThrow(/TLS/);
  });
});

afterAll(() => undefined);
