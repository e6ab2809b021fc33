import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlPath, managementPath } from '../../../src-main/core/nice/destinationId';
import { CameraFault } from '../../../src-main/simulator/faults';
import type { SimulatedCamera } from '../../../src-main/simulator/simulatedCamera';
import {
  ConsoleWebRtcPeer,
  eventually,
  startConsoleWebApi,
  startLocalSite,
  type ConsoleWebApi,
  type LocalSite,
} from '../../support/localSiteFixture';

/*
 * (d) Each fault switch shows the behaviour the console must cope with: timeouts, slow
 * answers, malformed CMF and SceneMarks, a dropped MQTT connection that comes back, a camera
 * that vanishes without a bye, and a restart after which the same device is bound again.
 */

let site: LocalSite;
let camera: SimulatedCamera;
let web: ConsoleWebApi;

// Generous: an answer is late only when a fault makes it so, not because the machine is busy.
const status = (timeoutMs = 8000) =>
  site.console.call(managementPath(camera.deviceId, 'GetDeviceStatus'), { Version: '1.0' }, ['Management'], {
    timeoutMs,
    plain: true,
  });

const fault = (input: Parameters<typeof CameraFault.parse>[0]) => camera.applyFault(CameraFault.parse(input));

beforeAll(async () => {
  site = await startLocalSite();
  camera = await site.startCamera(0);
  web = await startConsoleWebApi(site);
}, 40_000);

afterAll(() => site?.close());

describe('fault switches of a simulated camera', () => {
  it('stopAnswering: requests time out until cleared', async () => {
    await fault({ kind: 'stopAnswering' });
    await expect(status(400)).rejects.toMatchObject({ code: 'TIMEOUT' });
    await fault({ kind: 'clear' });
    expect((await status()).response.ReplyStatusCode).toBe(200);
  });

  it('slowAnswers: every answer waits the delay', async () => {
    // A delay longer than a busy machine takes to answer, so "sooner than the delay" below
    // tells that the delay is gone, not that the machine was quick.
    const delayMs = 5000;
    await fault({ kind: 'slowAnswers', delayMs });
    const started = Date.now();
    const result = await status(15_000);
    expect(result.response.ReplyStatusCode).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(delayMs);
    await fault({ kind: 'clear' });
    const quick = Date.now();
    await status(15_000);
    expect(Date.now() - quick).toBeLessThan(delayMs);
  });

  it('malformed: answers fail to parse and SceneMarks are refused with 400', async () => {
    const bearer = await site.accountService.issueToken({
      sub: camera.deviceId,
      aud: site.console.endPointId,
      permissions: ['Data'],
    });
    const applied = await site.console.call(
      controlPath(camera.deviceId, '0001', 'SetSceneMode'),
      {
        Version: '1.0',
        SceneModeID: randomUUID(),
        NodeID: '0001',
        Mode: {
          SceneMode: 'Label',
          SceneModeConfig: [{ SceneMarkFrequency: 0.3 }],
          SceneMarkOutputList: [
            {
              SceneMarkOutputEndPoint: {
                EndPointID: site.console.endPointId,
                NodeID: '0001',
                PortID: '0002',
                Scheme: [{ Protocol: 'WebAPI', Authority: web.server.origin, AccessToken: bearer }],
              },
              Encryption: { EncryptionOn: false },
            },
          ],
        },
      },
      ['Control'],
      { plain: true },
    );
    expect(applied.body).toMatchObject({ Status: 'Applied' });
    await eventually(() => web.sink.sceneMarks.length > 0, 15_000, 'a good SceneMark first');
    const droppedBefore = site.console.dropped().length;
    await fault({ kind: 'malformed' });
    await expect(status(500)).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(site.console.dropped().length).toBeGreaterThan(droppedBefore);
    expect(site.console.dropped().at(-1)).toMatch(/DateTimeStamp|ReplyStatusCode/);
    await eventually(() => web.sink.rejects.length >= 2, 15_000, 'refused SceneMarks');
    expect(web.sink.rejects[0]?.reason).toMatch(/SceneMarkID|SceneMarkStatus/);
    await fault({ kind: 'clear' });
    expect((await status()).response.ReplyStatusCode).toBe(200);
  });

  it('dropConnection: the device is gone, then answers again after it reconnects', async () => {
    await fault({ kind: 'dropConnection', reconnectAfterMs: 1500 });
    await expect(status(400)).rejects.toMatchObject({ code: 'TIMEOUT' });
    const started = Date.now();
    let answered = false;
    while (!answered && Date.now() - started < 8000) {
      answered = await status(400).then(
        (reply) => reply.response.ReplyStatusCode === 200,
        () => false,
      );
    }
    expect(answered).toBe(true);
    expect(camera.state).toBe('bound');
  });

  it('vanish: no bye, the peer connection goes disconnected, the device stops answering', async () => {
    const peer = new ConsoleWebRtcPeer(site, camera.deviceId);
    try {
      await peer.open();
      await peer.controlCall(
        'StartStreaming',
        { Version: '1.0', NodeID: '0001', PortID: '0001', StreamID: randomUUID() },
        ['Streaming'],
      );
      await eventually(() => peer.frames.length > 10, 15_000, 'frames');
      await fault({ kind: 'vanish' });
      expect(camera.state).toBe('vanished');
      await eventually(
        () => ['disconnected', 'failed'].includes(peer.connectionState),
        20_000,
        'the console seeing the peer connection die',
      );
      expect(peer.bye).toBe(false);
      await expect(status(400)).rejects.toMatchObject({ code: 'TIMEOUT' });
      // Clearing the switches brings a vanished camera back: it bootstraps and is bound again.
      await fault({ kind: 'clear' });
      await camera.waitFor('bound', 15_000);
      expect((await status()).response.ReplyStatusCode).toBe(200);
    } finally {
      peer.close();
    }
  }, 45_000);

  it('restart: the same DeviceID bootstraps and is bound again, sessions end with a bye', async () => {
    const peer = new ConsoleWebRtcPeer(site, camera.deviceId);
    try {
      await peer.open();
      const devices = site.accountService.listDevices().length;
      const states: string[] = [];
      const listener = camera.onDidChange(() => states.push(camera.state));
      await fault({ kind: 'restart' });
      await camera.waitFor('bound', 15_000);
      listener.dispose();
      expect(states).toContain('bootstrapping');
      expect(states.at(-1)).toBe('bound');
      await eventually(() => peer.bye, 15_000, 'bye');
      expect(site.accountService.listDevices()).toHaveLength(devices);
      expect(
        site.accountService.listDevices().find((device) => device.deviceId === camera.deviceId)?.binding,
      ).toBe('bound');
      expect((await status()).response.ReplyStatusCode).toBe(200);
    } finally {
      peer.close();
    }
  });
});
