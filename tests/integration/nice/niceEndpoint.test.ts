import { Aedes } from 'aedes';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueAccessToken } from '../../../src-main/core/nice/accessToken';
import { CommandIdSequence, parseCmfMessage, type CmfRequest } from '../../../src-main/core/nice/cmf';
import { controlPath, managementPath } from '../../../src-main/core/nice/destinationId';
import { generateEndpointKeyPair, type EndpointKeyPair } from '../../../src-main/core/nice/endpointKeys';
import { NiceEndpoint } from '../../../src-main/core/nice/niceEndpoint';
import { NiceProtocolError } from '../../../src-main/core/nice/niceProtocolError';
import { issuedTokenCheck } from '../../../src-main/core/nice/tokenCheck';
import { MqttEndpointLink } from '../../../src-main/services/nice/mqttEndpointLink';

const issuerId = randomUUID();
const appId = randomUUID();
const deviceId = randomUUID();
let aedes: Aedes;
let server: Server;
let url: string;
let issuer: EndpointKeyPair;
let app: EndpointKeyPair;
let device: EndpointKeyPair;
const links: MqttEndpointLink[] = [];
let executions = 0;

async function endpointFor(id: string, keys: EndpointKeyPair, peer: () => EndpointKeyPair) {
  const link = await MqttEndpointLink.connect({ url, clientId: `t-${id}` });
  links.push(link);
  const ids = new CommandIdSequence();
  const endpoint = new NiceEndpoint({
    endPointId: id,
    privateJwk: keys.privateJwk,
    peerKey: (other) => (other === peer().publicJwk.kid ? peer().publicJwk : undefined),
    checkToken: issuedTokenCheck({
      issuerKey: () => issuer.publicJwk,
      audience: id,
      open: ['GetManagementEndPoint'],
    }),
    nextCommandId: () => ids.next(),
    transport: link,
  });
  await link.attach(endpoint);
  return { endpoint, link };
}

async function tokenFor(aud: string, permissions: ('Management' | 'Control' | 'Streaming' | 'Data')[]) {
  return issueAccessToken({ iss: issuerId, sub: appId, aud, Permissions: permissions }, issuer.privateJwk, {
    expiresInSec: 600,
  });
}

let appSide: Awaited<ReturnType<typeof endpointFor>>;
let deviceSide: Awaited<ReturnType<typeof endpointFor>>;

beforeAll(async () => {
  aedes = await Aedes.createBroker();
  server = createServer(aedes.handle);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  url = `mqtt://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  [issuer, app, device] = await Promise.all([
    generateEndpointKeyPair(issuerId),
    generateEndpointKeyPair(appId),
    generateEndpointKeyPair(deviceId),
  ]);
  appSide = await endpointFor(appId, app, () => device);
  deviceSide = await endpointFor(deviceId, device, () => app);
  deviceSide.endpoint.handle('GetStatus', ({ body, path }) => {
    executions++;
    return { body: { Version: '1.0', NodeID: path.kind === 'control' ? path.nodeId : '', Echo: body } };
  });
});

afterAll(async () => {
  await Promise.all(links.map((link) => link.close(true)));
  await new Promise<void>((done) => aedes.close(() => done()));
  await new Promise<void>((done) => server.close(() => done()));
});

describe('NiceEndpoint over MQTT', () => {
  it('encrypts the request and the response to the peer keys and checks the token', async () => {
    const result = await appSide.endpoint.call({
      path: controlPath(deviceId, '0001', 'GetStatus'),
      body: { Version: '1.0', NodeID: '0001' },
      accessToken: await tokenFor(deviceId, ['Control']),
    });
    expect(result.response.ReplyStatusCode).toBe(200);
    expect(result.response.EncryptionOn).toBe(true);
    expect(result.response.Payload.Body.split('.')).toHaveLength(5);
    expect(result.body).toEqual({ Version: '1.0', NodeID: '0001', Echo: { Version: '1.0', NodeID: '0001' } });
  });

  it('answers a token for another audience with 403 and a missing permission with 403', async () => {
    const wrongAudience = await appSide.endpoint.call({
      path: controlPath(deviceId, '0001', 'GetStatus'),
      body: { Version: '1.0' },
      accessToken: await tokenFor(appId, ['Control']),
    });
    expect(wrongAudience.response.ReplyStatusCode).toBe(403);
    expect(wrongAudience.response.ReplyStatusMessage).toMatch(/audience/);
    const noPermission = await appSide.endpoint.call({
      path: controlPath(deviceId, '0001', 'GetStatus'),
      body: { Version: '1.0' },
      accessToken: await tokenFor(deviceId, ['Streaming']),
    });
    expect(noPermission.response.ReplyStatusCode).toBe(403);
    expect(noPermission.response.ReplyStatusMessage).toMatch(/Control permission/);
  });

  it('answers a missing token with 401 and an unknown API with 501', async () => {
    const missing = await appSide.endpoint.call({
      path: controlPath(deviceId, '0001', 'GetStatus'),
      body: { Version: '1.0' },
      accessToken: '',
    });
    expect(missing.response.ReplyStatusCode).toBe(401);
    const unknown = await appSide.endpoint.call({
      path: managementPath(deviceId, 'GetNothing'),
      body: { Version: '1.0' },
      accessToken: await tokenFor(deviceId, ['Management']),
    });
    expect(unknown.response.ReplyStatusCode).toBe(501);
  });

  it('answers a resent CommandID from the replay cache without running the handler again', async () => {
    const observer = await connectAsync(url, { clientId: 'observer' });
    const responses: string[] = [];
    await observer.subscribeAsync(`1/${appId}/control/0001/GetStatus`);
    observer.on('message', (_topic, payload) => responses.push(payload.toString()));
    const request = await appSide.endpoint.buildRequest({
      path: controlPath(deviceId, '0001', 'GetStatus'),
      body: { Version: '1.0' },
      accessToken: await tokenFor(deviceId, ['Control']),
    });
    const before = executions;
    const text = JSON.stringify(request);
    await observer.publishAsync(`1/${deviceId}/control/0001/GetStatus`, text);
    await observer.publishAsync(`1/${deviceId}/control/0001/GetStatus`, text);
    await expect.poll(() => responses.length).toBe(2);
    expect(executions - before).toBe(1);
    expect(responses[0]).toBe(responses[1]);
    const reply = parseCmfMessage(responses[0] ?? '');
    expect(reply.MessageType === 'response' && reply.ReplyID).toBe((request as CmfRequest).CommandID);
    await observer.endAsync();
  });

  it('times out after the resends when nobody answers', async () => {
    const silent = randomUUID();
    const started = Date.now();
    const call = appSide.endpoint.call({
      path: managementPath(silent, 'GetDeviceStatus'),
      body: { Version: '1.0' },
      accessToken: '',
      timeoutMs: 150,
      resends: 1,
    });
    await expect(call).rejects.toThrow(NiceProtocolError);
    await expect(call).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });
});
