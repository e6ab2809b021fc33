import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { managementPath } from '../../../src-main/core/nice/destinationId';
import { startLocalSite, type LocalSite } from '../../support/localSiteFixture';
import { ProfileDevice } from '../../support/profileDevice';
import { mqttSchemeOf, openBody, until, type ProfileMessage } from '../../support/profilePeer';

/*
 * Issue 18, items 1 and 2: a device written from the NICE profile alone (tests/support/
 * profileDevice.ts: node:https, mqtt.js, jose; none of our NICE code) bootstraps with the
 * profile's exact GetManagementEndPoint body, is bound and reached although the site never
 * learns its key, and keeps both MQTT connections of v0.9 §8.3 open side by side.
 */

let site: LocalSite;
const devices: ProfileDevice[] = [];

beforeAll(async () => {
  site = await startLocalSite({ cameras: 1 });
});

afterAll(async () => {
  await Promise.all(devices.map((device) => device.close()));
  await site?.close();
});

async function startDevice(): Promise<ProfileDevice> {
  const device = await ProfileDevice.start(site.accountService.bootstrapUrl, site.certificate.cert);
  devices.push(device);
  return device;
}

/** GetDeviceStatus from the site's app over MQTT, with resends for a device still subscribing. */
const getDeviceStatus = (deviceId: string) =>
  site.console.call(
    managementPath(deviceId, 'GetDeviceStatus'),
    { Version: '1.0', DeviceID: deviceId },
    ['Management'],
    { timeoutMs: 5_000, resends: 3 },
  );

const binding = (deviceId: string) =>
  site.accountService.listDevices().find((entry) => entry.deviceId === deviceId)?.binding;

describe('GetManagementEndPoint with the profile body {"Version", "DeviceID"}', () => {
  it('is answered 200 with the LA and management endpoints and a DeviceToken, and records the device', async () => {
    const deviceId = randomUUID();
    const answer = await ProfileDevice.ask(
      site.accountService.bootstrapUrl,
      site.certificate.cert,
      deviceId,
      0,
    );
    expect(answer.status).toBe(200);
    const message = answer.json as ProfileMessage;
    expect(message).toMatchObject({ MessageType: 'response', ReplyStatusCode: 200, EncryptionOn: false });
    const body = await openBody(message);
    expect(body).toMatchObject({
      Version: '1.0',
      NICELAEndPoint: { AppEndPoint: { EndPointID: site.accountService.endPointId } },
      ManagementEndPoint: { AppEndPoint: { EndPointID: site.accountService.endPointId } },
      DeviceToken: expect.any(String),
    });
    expect(mqttSchemeOf(body?.ManagementEndPoint).Authority).toBe(site.broker.tcpUrl);
    // Profile "Bootstrap": every well-formed DeviceID that asks is recorded (pending, or bound
    // at once by auto-bind, which needs the device on the broker first).
    expect(site.accountService.listDevices().map((entry) => entry.deviceId)).toContain(deviceId);
    expect(site.accountService.devicePublicJwk(deviceId)).toBeUndefined();
  });
});

describe('a device whose key the site does not know', () => {
  it('is bound with a plain SetManagementObject and reached by an app with plain commands', async () => {
    const device = await startDevice();
    await device.connectManagement();
    await until(() => device.accountService !== undefined, 'SetManagementObject Bind');
    await until(() => binding(device.deviceId) === 'bound', 'the site to record the device as bound');
    const bind = device.received.find((entry) => entry.api === 'SetManagementObject');
    expect(bind?.request.EncryptionOn).toBe(false);
    expect(bind?.body).toMatchObject({ Action: 'Bind', DeviceID: device.deviceId });

    // Reached: an app of the site sends GetDeviceStatus; without the device's key it goes plain.
    device.handlers.set('GetDeviceStatus', () => ({
      status: 200,
      body: { Version: '1.0', DeviceID: device.deviceId, FirmwareVersion: 'profile-1', NodeList: [] },
    }));
    const result = await getDeviceStatus(device.deviceId);
    expect(result.response.ReplyStatusCode).toBe(200);
    expect(result.response.EncryptionOn).toBe(false);
    expect(result.body).toMatchObject({ FirmwareVersion: 'profile-1' });
    expect(device.problems).toEqual([]);
  });
});

describe('the two MQTT connections of v0.9 §8.3', () => {
  it('hands out distinct ClientIDs, so the second connection leaves the first one open', async () => {
    const device = await startDevice();
    const first = await device.connectManagement();
    await until(() => device.accountService !== undefined, 'SetManagementObject Bind');
    const second = await device.connectAccountService();
    expect(second.clientId).not.toBe(first.clientId);
    // A takeover closes the older session before the newer one's CONNACK; round trips on both
    // after that show both sessions alive.
    await first.roundTrip();
    await second.roundTrip();
    expect(first.closes).toBe(0);
    expect(second.closes).toBe(0);

    // Commands still arrive: the AS's Release reaches the device and is answered.
    await site.accountService.release(device.deviceId);
    expect(binding(device.deviceId)).toBe('released');
    expect(first.closes + second.closes).toBe(0);
    expect(device.problems).toEqual([]);
  });

  it('lets a simulated camera hold both connections, each under its own ClientID', async () => {
    const ids = new Set<string>();
    const disconnectedIds: string[] = [];
    const connected = site.broker.onDidConnectClient(({ client }) => ids.add(client.clientId));
    const disconnected = site.broker.onDidDisconnectClient(({ client }) =>
      disconnectedIds.push(client.clientId),
    );
    try {
      const camera = await site.startCamera(0);
      const own = (): string[] => [...ids].filter((id) => id.includes(camera.deviceId));
      await until(() => own().length >= 2, 'the camera to open its second connection');
      // A command over the AS's broker is answered, so the connections are up and in use.
      const status = await getDeviceStatus(camera.deviceId);
      expect(status.response.ReplyStatusCode).toBe(200);
      expect(own()).toEqual(expect.arrayContaining([camera.deviceId]));
      expect(disconnectedIds.filter((id) => id.includes(camera.deviceId))).toEqual([]);
    } finally {
      connected.dispose();
      disconnected.dispose();
    }
  });
});
