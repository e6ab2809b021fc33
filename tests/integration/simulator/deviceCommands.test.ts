import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlPath, managementPath } from '../../../src-main/core/nice/destinationId';
import type { SimulatedCamera } from '../../../src-main/simulator/simulatedCamera';
import {
  eventually,
  startCameraSession,
  type ConsoleWebRtcPeer,
  type LocalSite,
} from '../../support/localSiteFixture';

/*
 * (a) A simulated camera bootstraps with the embedded account service over HTTPS, is bound over
 * MQTT and answers every command of the profile's table through a console-role NiceEndpoint.
 */

let site: LocalSite;
let camera: SimulatedCamera;
let session: ConsoleWebRtcPeer;

beforeAll(async () => {
  // The device learns the console's key from SetControlObject (PeerJWK), so it can encrypt answers.
  ({ site, camera, session } = await startCameraSession(0));
}, 40_000);

afterAll(() => site?.close());

describe('a simulated camera', () => {
  it('registers with the LA and is bound by the AS', () => {
    const device = site.accountService.listDevices().find((entry) => entry.deviceId === camera.deviceId);
    expect(device).toMatchObject({ binding: 'bound', name: camera.name, nodes: ['0001', '0002'] });
    expect(site.accountService.devicePublicJwk(camera.deviceId)?.kid).toBe(camera.deviceId);
  });

  it('answers GetDeviceStatus with real uptime, CPU, memory and its nodes', async () => {
    const result = await site.console.call(
      managementPath(camera.deviceId, 'GetDeviceStatus'),
      { Version: '1.0', DeviceID: camera.deviceId },
      ['Management'],
    );
    expect(result.response.ReplyStatusCode).toBe(200);
    expect(result.response.EncryptionOn).toBe(true);
    const body = result.body as {
      Uptime: number;
      ReportTime: string;
      Resources: { CPU: { Usage: number[] }[]; Memory: { Total: number; Used: number } };
      NodeList: { NodeID: string }[];
    };
    expect(body).toMatchObject({ Version: '1.0', DeviceID: camera.deviceId });
    expect(body.Uptime).toBeGreaterThanOrEqual(0);
    expect(body.Resources.CPU[0]?.Usage[0]).toBeGreaterThanOrEqual(0);
    expect(body.Resources.Memory.Used).toBeGreaterThan(10_000_000);
    expect(body.Resources.Memory.Total).toBeGreaterThan(body.Resources.Memory.Used);
    expect(body.NodeList.map((node) => node.NodeID)).toEqual(['0001', '0002']);
    expect(body.NodeList[0]).toMatchObject({ Status: 'Connected', Fps: 0 });
    expect(body.ReportTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('answers GetCapabilities per node', async () => {
    const first = await site.console.call(
      controlPath(camera.deviceId, '0001', 'GetCapabilities'),
      { Version: '1.0', NodeID: '0001' },
      ['Control'],
    );
    expect(first.body).toMatchObject({
      NodeID: '0001',
      Transports: ['MQTT', 'WebAPI', 'WebRTC'],
      Encryption: { SceneMarkJWE: ['ECDH-ES+A256KW/A256GCM'] },
    });
    const outputs = (first.body as { Outputs: { Type: string }[] }).Outputs.map((output) => output.Type);
    expect(outputs).toEqual(['Video', 'SceneMark']);
    const second = await site.console.call(
      controlPath(camera.deviceId, '0002', 'GetCapabilities'),
      { Version: '1.0' },
      ['Control'],
    );
    expect(second.body).toMatchObject({ NodeID: '0002', NICEItemTypes: ['Vehicle'] });
    const missing = await site.console.call(
      controlPath(camera.deviceId, '0007', 'GetCapabilities'),
      { Version: '1.0' },
      ['Control'],
    );
    expect(missing.response.ReplyStatusCode).toBe(404);
  });

  it('applies a valid SceneMode, rejects an invalid one with a reason, and reads it back', async () => {
    const sceneModeId = randomUUID();
    const applied = await site.console.call(
      controlPath(camera.deviceId, '0001', 'SetSceneMode'),
      {
        Version: '1.0',
        SceneModeID: sceneModeId,
        NodeID: '0001',
        Mode: { SceneMode: 'Human', SceneModeConfig: [{ AnalysisStage: 'Detect', SceneMarkFrequency: 2 }] },
      },
      ['Control'],
    );
    expect(applied.response.ReplyStatusCode).toBe(200);
    expect(applied.body).toEqual({
      Version: '1.0',
      NodeID: '0001',
      SceneModeID: sceneModeId,
      Status: 'Applied',
    });
    const rejected = await site.console.call(
      controlPath(camera.deviceId, '0001', 'SetSceneMode'),
      {
        Version: '1.0',
        SceneModeID: randomUUID(),
        NodeID: '0001',
        Mode: { SceneMode: 'Unicorn', SceneModeConfig: [] },
      },
      ['Control'],
    );
    expect(rejected.response.ReplyStatusCode).toBe(400);
    expect(rejected.body).toMatchObject({
      Status: 'Rejected',
      Reason: expect.stringContaining('Mode.SceneMode'),
    });
    const readBack = await site.console.call(
      controlPath(camera.deviceId, '0001', 'GetSceneMode'),
      { Version: '1.0', NodeID: '0001' },
      ['Control'],
    );
    expect(readBack.body).toMatchObject({ SceneModeID: sceneModeId, Mode: { SceneMode: 'Human' } });
    const status = await site.console.call(
      controlPath(camera.deviceId, '0001', 'GetStatus'),
      { Version: '1.0', NodeID: '0001' },
      ['Control'],
    );
    expect(status.body).toMatchObject({ NodeID: '0001', SceneModeID: sceneModeId });
  });

  it('starts and stops streaming over MQTT, shown by GetStatus', async () => {
    const streamId = randomUUID();
    const started = await site.console.call(
      controlPath(camera.deviceId, '0001', 'StartStreaming'),
      {
        Version: '1.0',
        NodeID: '0001',
        PortID: '0001',
        StreamID: streamId,
        Video: { Width: 320, Height: 180, FrameRate: 15 },
      },
      ['Streaming'],
    );
    expect(started.response.ReplyStatusCode).toBe(200);
    expect(started.body).toMatchObject({
      StreamID: streamId,
      Status: 'Started',
      Tracks: [{ Kind: 'video' }],
    });
    const trackId = (started.body as { Tracks: { TrackID: string }[] }).Tracks[0]?.TrackID;
    expect(session.trackIds).toContain(trackId);
    const status = await site.console.call(
      controlPath(camera.deviceId, '0001', 'GetStatus'),
      { Version: '1.0' },
      ['Control'],
    );
    expect(status.body).toMatchObject({ Streaming: true, ActiveSessions: [session.sessionId] });
    await eventually(() => camera.stats().fps > 0, 15_000, 'frames rendered');
    const stopped = await site.console.call(
      controlPath(camera.deviceId, '0001', 'StopStreaming'),
      { Version: '1.0', StreamID: streamId },
      ['Streaming'],
    );
    expect(stopped.body).toEqual({ Version: '1.0', StreamID: streamId, Status: 'Stopped' });
    const after = await site.console.call(
      controlPath(camera.deviceId, '0001', 'GetStatus'),
      { Version: '1.0' },
      ['Control'],
    );
    expect(after.body).toMatchObject({ Streaming: false });
    const unknown = await site.console.call(
      controlPath(camera.deviceId, '0001', 'StopStreaming'),
      { Version: '1.0', StreamID: streamId },
      ['Streaming'],
    );
    expect(unknown.response.ReplyStatusCode).toBe(404);
  });

  it('refuses a token without the permission and a command for a node without video', async () => {
    const forbidden = await site.console.call(
      controlPath(camera.deviceId, '0001', 'GetStatus'),
      { Version: '1.0' },
      ['Streaming'],
    );
    expect(forbidden.response.ReplyStatusCode).toBe(403);
    const noVideo = await site.console.call(
      controlPath(camera.deviceId, '0002', 'StartStreaming'),
      { Version: '1.0', PortID: '0001', StreamID: randomUUID() },
      ['Streaming'],
    );
    expect(noVideo.response.ReplyStatusCode).toBe(404);
  });

  it('answers plain requests plainly (EncryptionOn false)', async () => {
    const result = await site.console.call(
      managementPath(camera.deviceId, 'GetDeviceStatus'),
      { Version: '1.0' },
      ['Management'],
      { plain: true },
    );
    expect(result.response.EncryptionOn).toBe(false);
    expect(result.body).toMatchObject({ DeviceID: camera.deviceId });
  });

  it('closes the session on SetControlObject Close with a bye', async () => {
    const closed = await site.console.endpoint.call({
      path: managementPath(site.accountService.endPointId, 'CloseControlSession'),
      body: { Version: '1.0', SessionID: session.sessionId, Reason: 'test over' },
      accessToken: await site.console.token(site.accountService.endPointId, ['Management']),
    });
    expect(closed.body).toEqual({ Version: '1.0', Result: 'OK' });
    await eventually(() => session.bye, 15_000, 'bye');
    expect(camera.stats().sessions).toBe(0);
  });

  it('is released and bound again by the account service', async () => {
    await site.accountService.release(camera.deviceId);
    expect(camera.state).toBe('registered');
    const refused = await site.console.call(
      managementPath(camera.deviceId, 'GetDeviceStatus'),
      { Version: '1.0' },
      ['Management'],
      { plain: true },
    );
    expect(refused.response.ReplyStatusCode).toBe(403);
    await site.accountService.bind(camera.deviceId);
    expect(camera.state).toBe('bound');
  });
});
