import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlPath, managementPath } from '../../../src-main/core/nice/destinationId';
import { UNKNOWN_CALLER_KEY_STATUS } from '../../../src-main/core/nice/niceEndpoint';
import type { SimulatedCamera } from '../../../src-main/simulator/simulatedCamera';
import {
  startLocalSite,
  startSiteApp,
  type ConsoleEndpoint,
  type LocalSite,
} from '../../support/localSiteFixture';

/*
 * An app written from the profile alone: registered with the account service, tokens without
 * `cnf`, no control session. The camera learns its key from the account service's endpoint
 * objects (GetControlObject) and answers it encrypted; a caller no endpoint object names gets
 * the profile's error answer, and its command is not run.
 */

let site: LocalSite;
let camera: SimulatedCamera;
let app: ConsoleEndpoint;
let stranger: ConsoleEndpoint;

beforeAll(async () => {
  site = await startLocalSite({ cameras: 1 });
  camera = await site.startCamera(0);
  app = await startSiteApp(site);
  stranger = await startSiteApp(site, { register: false });
}, 40_000);

afterAll(() => site?.close());

describe('an app whose token carries no cnf', () => {
  it('holds tokens without cnf, unless a grant asks for the holder key', async () => {
    expect(decodeJwt(await app.token(camera.deviceId, ['Management'])).cnf).toBeUndefined();
    const withKey = await site.accountService.issueToken({
      sub: app.endPointId,
      aud: camera.deviceId,
      permissions: ['Management'],
      holderKey: true,
    });
    expect(decodeJwt(withKey).cnf).toEqual({ jwk: app.keys.publicJwk });
  });

  it('gets GetDeviceStatus and GetCapabilities answered, encrypted to its key, before any session', async () => {
    const status = await app.call(
      managementPath(camera.deviceId, 'GetDeviceStatus'),
      { Version: '1.0', DeviceID: camera.deviceId },
      ['Management'],
    );
    expect(status.response).toMatchObject({ ReplyStatusCode: 200, EncryptionOn: true });
    expect(status.response.Payload.Body.split('.')).toHaveLength(5);
    expect(status.body).toMatchObject({ Version: '1.0', DeviceID: camera.deviceId });
    const capabilities = await app.call(
      controlPath(camera.deviceId, '0002', 'GetCapabilities'),
      { Version: '1.0', NodeID: '0002' },
      ['Control'],
    );
    expect(capabilities.response.ReplyStatusCode).toBe(200);
    expect(capabilities.body).toMatchObject({ NodeID: '0002', NICEItemTypes: ['Vehicle'] });
  });

  it('may not read the control object the account service keeps for devices', async () => {
    const result = await app.call(
      managementPath(site.accountService.endPointId, 'GetControlObject'),
      { Version: '1.0', DeviceID: camera.deviceId },
      ['Management'],
    );
    expect(result.response.ReplyStatusCode).toBe(403);
    expect(result.response.Payload.Body).toBe('');
  });
});

describe('a caller whose key no endpoint object names', () => {
  it('gets an error with an empty Body and EncryptionOn copied, and its command is not run', async () => {
    const before = await app.call(
      controlPath(camera.deviceId, '0001', 'GetSceneMode'),
      { Version: '1.0', NodeID: '0001' },
      ['Control'],
    );
    const inForce = (before.body as { SceneModeID: string }).SceneModeID;
    const refused = await stranger.call(
      controlPath(camera.deviceId, '0001', 'SetSceneMode'),
      {
        Version: '1.0',
        SceneModeID: randomUUID(),
        NodeID: '0001',
        Mode: { SceneMode: 'Human', SceneModeConfig: [{ AnalysisStage: 'Detect', SceneMarkFrequency: 2 }] },
      },
      ['Control'],
    );
    expect(refused.response).toMatchObject({
      ReplyStatusCode: UNKNOWN_CALLER_KEY_STATUS,
      ReplyErrorCode: UNKNOWN_CALLER_KEY_STATUS,
      EncryptionOn: true,
      Payload: { Body: '' },
    });
    expect(refused.response.ReplyStatusMessage).toMatch(
      new RegExp(`^EncryptionOn: the public key of ${stranger.endPointId} is not known here`),
    );
    const after = await app.call(
      controlPath(camera.deviceId, '0001', 'GetSceneMode'),
      { Version: '1.0', NodeID: '0001' },
      ['Control'],
    );
    expect((after.body as { SceneModeID: string }).SceneModeID).toBe(inForce);
  });

  it('is answered in plain when it asks in plain (a response copies EncryptionOn)', async () => {
    const plain = await stranger.call(
      managementPath(camera.deviceId, 'GetDeviceStatus'),
      { Version: '1.0', DeviceID: camera.deviceId },
      ['Management'],
      { plain: true },
    );
    expect(plain.response).toMatchObject({ ReplyStatusCode: 200, EncryptionOn: false });
    expect(plain.body).toMatchObject({ DeviceID: camera.deviceId });
  });

  it('is refused with 401 when it sends no token, whatever its key', async () => {
    const result = await stranger.endpoint.call({
      path: managementPath(camera.deviceId, 'GetDeviceStatus'),
      body: { Version: '1.0', DeviceID: camera.deviceId },
      accessToken: '',
      timeoutMs: 3000,
      resends: 0,
    });
    expect(result.response.ReplyStatusCode).toBe(401);
  });
});
