import { randomUUID } from 'node:crypto';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointPublicJwk } from '../../../src-main/core/nice/endpointKeys';
import type { SimulatedCamera } from '../../../src-main/simulator/simulatedCamera';
import { siteAccounts, startLocalSite, type LocalSite } from '../../support/localSiteFixture';
import {
  encryptBody,
  openBody,
  profileKeys,
  profileRequest,
  signProfileToken,
  until,
  verifyProfileToken,
  type ProfileKeys,
  type ProfileMessage,
} from '../../support/profilePeer';

/*
 * Issue 18 item 8: an app on another workstation, written from the profile and the README alone
 * (mqtt.js and jose, none of our NICE code), obtains its tokens from the local site over MQTT
 * with GetAccessToken, and uses them on a simulated camera.
 */

let site: LocalSite;
let camera: SimulatedCamera;
const clients: MqttClient[] = [];

beforeAll(async () => {
  site = await startLocalSite({ cameras: 1 });
  camera = await site.startCamera(0);
}, 40_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.endAsync(true)));
  await site?.close();
});

/** An app with its own key pair, on the site's broker, listening on its own topics. */
async function startApp(register: boolean) {
  const keys = await profileKeys();
  if (register)
    site.accountService.registerApp({
      endPointId: keys.id,
      publicJwk: keys.publicJwk as unknown as EndpointPublicJwk,
    });
  const client = await connectAsync(site.broker.tcpUrl, {
    ...siteAccounts.console,
    clientId: `remote-app-${keys.id}`,
    reconnectPeriod: 0,
  });
  clients.push(client);
  const answers = new Map<number, ProfileMessage>();
  client.on('message', (_topic, payload) => {
    const message = JSON.parse(payload.toString('utf8')) as ProfileMessage;
    if (message.MessageType === 'response') answers.set(Number(message.ReplyID), message);
  });
  await client.subscribeAsync([`1/${keys.id}/management/+`], { qos: 0 });
  let commandId = 0;
  const send = async (
    callee: string,
    api: string,
    body: unknown,
    accessToken: string,
    encryptTo?: ProfileKeys['publicJwk'],
  ): Promise<ProfileMessage> => {
    const id = commandId++;
    const topic = `1/${callee}/management/${api}`;
    const request = profileRequest({
      source: keys.id,
      destination: callee,
      commandType: topic,
      commandId: id,
      accessToken,
      encryptionOn: encryptTo !== undefined,
      body: encryptTo ? await encryptBody(body, encryptTo) : JSON.stringify(body),
    });
    await client.publishAsync(topic, JSON.stringify(request), { qos: 0 });
    await until(() => answers.has(id), `the answer to ${api}`);
    return answers.get(id) as ProfileMessage;
  };
  /** The app's own assertion for the AS (iss = sub = the app, aud = the AS, Management). */
  const assertion = (signer: ProfileKeys = keys) =>
    signProfileToken(signer, {
      sub: keys.id,
      aud: site.accountService.endPointId,
      Permissions: ['Management'],
    });
  return { keys, send, assertion };
}

const asKey = () => site.accountService.publicJwk as unknown as ProfileKeys['publicJwk'];

describe('GetAccessToken', () => {
  it('gives a registered app a token for a bound camera, encrypted to its key, that the camera takes', async () => {
    const app = await startApp(true);
    const answer = await app.send(
      site.accountService.endPointId,
      'GetAccessToken',
      { Version: '1.0', Audience: camera.deviceId, Permissions: ['Management'] },
      await app.assertion(),
      asKey(),
    );
    expect(answer).toMatchObject({ ReplyStatusCode: 200, EncryptionOn: true });
    const body = await openBody(answer, app.keys);
    const token = String(body?.AccessToken);
    const claims = await verifyProfileToken(token, asKey(), camera.deviceId);
    expect(claims).toMatchObject({ iss: site.accountService.endPointId, sub: app.keys.id });
    expect(claims.Permissions).toEqual(['Management']);

    const status = await app.send(
      camera.deviceId,
      'GetDeviceStatus',
      { Version: '1.0', DeviceID: camera.deviceId },
      token,
    );
    expect(status.ReplyStatusCode).toBe(200);
    expect(await openBody(status)).toMatchObject({ DeviceID: camera.deviceId });
  });

  it('refuses an unregistered app, a foreign signature, a plain request and an unknown audience', async () => {
    const stranger = await startApp(false);
    const ask = { Version: '1.0', Audience: camera.deviceId, Permissions: ['Control'] };
    const unregistered = await stranger.send(
      site.accountService.endPointId,
      'GetAccessToken',
      ask,
      await stranger.assertion(),
      asKey(),
    );
    expect(unregistered.ReplyStatusCode).toBe(403);
    expect(unregistered.Payload.Body).toBe('');

    const app = await startApp(true);
    const forged = await app.send(
      site.accountService.endPointId,
      'GetAccessToken',
      ask,
      await app.assertion(await profileKeys(app.keys.id)),
      asKey(),
    );
    expect(forged.ReplyStatusCode).toBe(401);
    const plain = await app.send(
      site.accountService.endPointId,
      'GetAccessToken',
      ask,
      await app.assertion(),
    );
    expect(plain.ReplyStatusCode).toBe(400);
    expect(plain.ReplyStatusMessage).toMatch(/^EncryptionOn: /);
    const unknown = await app.send(
      site.accountService.endPointId,
      'GetAccessToken',
      { ...ask, Audience: randomUUID() },
      await app.assertion(),
      asKey(),
    );
    expect(unknown.ReplyStatusCode).toBe(403);
    expect(unknown.ReplyStatusMessage).toMatch(/^Audience: /);
  });
});
