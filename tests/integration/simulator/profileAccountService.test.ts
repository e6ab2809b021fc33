import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JWK } from 'jose';
import type { MqttClient } from 'mqtt';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../../src-main/embedded/broker/embeddedBroker';
import { WebApiClient } from '../../../src-main/services/webapi/webApiClient';
import { CameraIdentityStore } from '../../../src-main/simulator/cameraIdentityStore';
import { FrameClock } from '../../../src-main/simulator/frameClock';
import { SimulatedCamera } from '../../../src-main/simulator/simulatedCamera';
import {
  encryptBody,
  openBody,
  profileKeys,
  profileRequest,
  profileResponse,
  signProfileToken,
  until,
  type ProfileKeys,
  type ProfileMessage,
} from '../../support/profilePeer';
import { createSelfSignedCertificate } from '../../support/testCertificates';

/*
 * Issue 18, items 5 and 6: a simulated camera against an LA and AS written from the profile
 * alone (node:https, mqtt.js, jose). The LA's endpoint objects carry no JWK ("JWK?" in the
 * profile); the AS key reaches the device only in SetManagementObject, as the profile's
 * "Tokens" says, and the device binds, answers encrypted to that key, and takes the AS's
 * commands. A caller the device cannot answer encrypted is refused before anything changes.
 */

const accounts = {
  as: { username: 'profile-as', password: randomUUID() },
  devices: { username: 'devices', password: randomUUID() },
};

let dir: string;
let broker: EmbeddedBroker;
let la: Server;
let laOrigin: string;
let as: ProfileKeys;
let asClient: MqttClient;
let camera: SimulatedCamera;
let webApi: WebApiClient;
/** What the camera told the LA (its key is an extra beyond the profile body). */
let offeredJwk: JWK | undefined;
let commandId = 0;
const answers = new Map<number, ProfileMessage>();
const certificate = createSelfSignedCertificate('ec');
const laId = randomUUID();

/** GetManagementEndPoint as the profile's "Bootstrap and binding" gives it, endpoint objects without JWK. */
function startProfileLa(deviceToken: (deviceId: string) => Promise<string>): Promise<Server> {
  const server = createServer({ cert: certificate.cert, key: certificate.key }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        const cmf = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ProfileMessage;
        const asked = (await openBody(cmf)) as { DeviceID: string; DeviceJWK?: JWK };
        offeredJwk = asked.DeviceJWK;
        const body = {
          Version: '1.0',
          NICELAEndPoint: {
            AppEndPoint: { APIVersion: '1.0', EndPointID: laId },
            NetEndPoint: {
              APIVersion: '1.0',
              EndPointID: laId,
              Scheme: [{ Protocol: 'WebAPI', Authority: laOrigin }],
            },
          },
          ManagementEndPoint: mqttEndpointObject(asked.DeviceID),
          DeviceToken: await deviceToken(asked.DeviceID),
        };
        response.writeHead(200, { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff' });
        response.end(JSON.stringify(profileResponse(cmf, 200, JSON.stringify(body))));
      })();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const usernamePassword = (account: { username: string; password: string }) => ({
  Username: account.username,
  Password: account.password,
});

/** An endpoint object naming the AS on the broker, with the ClientID the device is to use. */
function mqttEndpointObject(clientId: string, jwk?: JWK) {
  return {
    AppEndPoint: { APIVersion: '1.0', EndPointID: as.id, ...(jwk ? { JWK: jwk } : {}) },
    NetEndPoint: {
      APIVersion: '1.0',
      EndPointID: as.id,
      Scheme: [
        {
          Protocol: 'MQTT',
          Authority: broker.tcpUrl,
          ClientID: clientId,
          ...usernamePassword(accounts.devices),
        },
      ],
    },
  };
}

/** The AS endpoint object of SetManagementObject: the only place the device learns the AS key. */
function niceAs(deviceId: string) {
  return {
    NICEASID: as.id,
    NICEASEndPoint: mqttEndpointObject(`${deviceId}-as`, as.publicJwk),
    RevokedJSONTokenIDs: [],
  };
}

/** Sends a CMF request from the AS (or `source`), encrypted to the camera, and waits for the answer. */
async function call(
  topic: string,
  body: unknown,
  token: string,
  options: { source?: string; encrypt?: boolean } = {},
): Promise<ProfileMessage> {
  const id = commandId++;
  const encrypt = options.encrypt ?? true;
  if (encrypt && !offeredJwk) throw new Error('the camera offered no key');
  const request = profileRequest({
    source: options.source ?? as.id,
    destination: camera.deviceId,
    commandType: topic,
    commandId: id,
    accessToken: token,
    encryptionOn: encrypt,
    body: encrypt && offeredJwk ? await encryptBody(body, offeredJwk) : JSON.stringify(body),
  });
  await asClient.publishAsync(topic, JSON.stringify(request), { qos: 0 });
  await until(() => answers.has(id), `the answer to ${topic}`);
  return answers.get(id) as ProfileMessage;
}

const asToken = (deviceId: string, permissions: string[], signer: ProfileKeys = as) =>
  signProfileToken(signer, { sub: as.id, aud: deviceId, Permissions: permissions });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nice-profile-as-'));
  as = await profileKeys();
  broker = await startEmbeddedBroker({ ...accounts.as, credentials: [accounts.devices] });
  la = await startProfileLa((deviceId) =>
    signProfileToken(as, { sub: deviceId, aud: [as.id], Permissions: ['Management', 'Data'] }),
  );
  const address = la.address();
  laOrigin = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  // The AS listens on its own topics (profile: responses go to the caller's topic for the API).
  asClient = await connectAsync(broker.tcpUrl, {
    ...accounts.as,
    clientId: `as-${as.id}`,
    reconnectPeriod: 0,
  });
  asClient.on('message', (_topic, payload) => {
    const message = JSON.parse(payload.toString('utf8')) as ProfileMessage;
    if (message.MessageType === 'response') answers.set(Number(message.ReplyID), message);
  });
  await asClient.subscribeAsync([`1/+/management/+`, `1/+/control/+/+`], { qos: 0 });
  const identities = await CameraIdentityStore.open(join(dir, 'cameras'), 1);
  const identity = identities.identities[0];
  if (!identity) throw new Error('no camera identity');
  webApi = new WebApiClient({ ca: certificate.cert });
  camera = new SimulatedCamera({
    identity,
    nextCommandId: identities.commandIds(0),
    bootstrapUrl: `${laOrigin}/1/${laId}`,
    ca: certificate.cert,
    clock: new FrameClock(),
    webApi,
    retry: { initialMs: 200, maxMs: 1000 },
  });
  camera.start();
  await camera.waitFor('registered', 20_000);
}, 40_000);

afterAll(async () => {
  await camera?.close();
  webApi?.close();
  await asClient?.endAsync(true);
  await new Promise<void>((resolve) => (la ? la.close(() => resolve()) : resolve()));
  await broker?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a camera whose LA hands out endpoint objects without JWK', () => {
  it('refuses a Bind whose token no endpoint object vouches for, and stays unbound', async () => {
    const impostor = await profileKeys(as.id);
    const answer = await call(
      `1/${camera.deviceId}/management/SetManagementObject`,
      { Version: '1.0', DeviceID: camera.deviceId, Action: 'Bind', NICEAS: niceAs(camera.deviceId) },
      await asToken(camera.deviceId, ['Management'], impostor),
    );
    expect(answer.ReplyStatusCode).toBe(401);
    expect(answer.Payload.Body).toBe('');
    expect(camera.state).toBe('registered');
  });

  it('binds with the AS key from SetManagementObject and answers encrypted to it', async () => {
    const answer = await call(
      `1/${camera.deviceId}/management/SetManagementObject`,
      {
        Version: '1.0',
        DeviceID: camera.deviceId,
        Action: 'Bind',
        NICEAS: niceAs(camera.deviceId),
        DeviceToken: await signProfileToken(as, {
          sub: camera.deviceId,
          aud: [as.id],
          Permissions: ['Management', 'Data'],
        }),
      },
      await asToken(camera.deviceId, ['Management']),
    );
    expect(answer).toMatchObject({ ReplyStatusCode: 200, EncryptionOn: true });
    expect(await openBody(answer, as)).toEqual({
      Version: '1.0',
      DeviceID: camera.deviceId,
      Result: 'Bound',
    });
    expect(camera.state).toBe('bound');

    // Bound: a control command signed by the AS key is taken, its answer encrypted to the AS.
    const capabilities = await call(
      `1/${camera.deviceId}/control/0001/GetCapabilities`,
      { Version: '1.0', NodeID: '0001' },
      await signProfileToken(as, {
        sub: as.id,
        aud: camera.deviceId,
        Permissions: ['Control'],
        NodeIDs: ['0001'],
      }),
    );
    expect(capabilities.ReplyStatusCode).toBe(200);
    expect(await openBody(capabilities, as)).toMatchObject({ NodeID: '0001', Outputs: expect.any(Array) });
  });

  it('refuses, before it runs, a SetSceneMode it could not answer encrypted, and changes nothing', async () => {
    const nodeQuery = { Version: '1.0', NodeID: '0001' };
    const before = await openBody(
      await call(`1/${camera.deviceId}/control/0001/GetSceneMode`, nodeQuery, await controlToken()),
      as,
    );
    // An app no endpoint object names (this AS answers no GetControlObject) with a valid token.
    const stranger = randomUUID();
    const mode = { ...before, SceneModeID: randomUUID() };
    const refused = await call(
      `1/${camera.deviceId}/control/0001/SetSceneMode`,
      mode,
      await signProfileToken(as, {
        sub: stranger,
        aud: camera.deviceId,
        Permissions: ['Control'],
        NodeIDs: ['0001'],
      }),
      { source: stranger },
    );
    expect(refused.ReplyStatusCode).toBe(406);
    expect(refused.Payload.Body).toBe('');
    const after = await openBody(
      await call(`1/${camera.deviceId}/control/0001/GetSceneMode`, nodeQuery, await controlToken()),
      as,
    );
    expect(after?.SceneModeID).toBe(before?.SceneModeID);
  });
});

function controlToken(): Promise<string> {
  return signProfileToken(as, {
    sub: as.id,
    aud: camera.deviceId,
    Permissions: ['Control'],
    NodeIDs: ['0001'],
  });
}
