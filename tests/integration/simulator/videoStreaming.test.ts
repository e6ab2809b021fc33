import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { managementPath } from '../../../src-main/core/nice/destinationId';
import type { SimulatedCamera } from '../../../src-main/simulator/simulatedCamera';
import {
  eventually,
  startCameraSession,
  type ConsoleWebRtcPeer,
  type LocalSite,
} from '../../support/localSiteFixture';

/*
 * (b) Live video per v0.9 §9.3/§9.5: the device offers the control DataChannel and the video
 * track; the console answers; StartStreaming on the control channel starts frames whose drawn
 * counter the console reads back from the decoded I420 planes; none arrive after StopStreaming.
 */

let site: LocalSite;
let camera: SimulatedCamera;
let peer: ConsoleWebRtcPeer;

beforeAll(async () => {
  ({ site, camera, session: peer } = await startCameraSession(1));
}, 40_000);

afterAll(() => site?.close());

describe('video from a simulated camera', () => {
  it('offers the control channel and the track in its first offer, with trickled candidates', async () => {
    const offer = site.console.signals.find((signal) => signal.body.Type === 'offer');
    const sdp = String(offer?.body.SDP);
    expect(sdp).toMatch(/m=video /);
    expect(sdp).toMatch(/m=application /);
    expect(peer.trackIds).toHaveLength(1);
    expect(sdp).toContain(peer.trackIds[0]);
    expect([...peer.channels.keys()]).toContain(`1/${camera.deviceId}/control`);
    const candidates = () => site.console.signals.filter((signal) => signal.body.Type === 'candidate');
    const end = { candidate: '', sdpMid: '0', sdpMLineIndex: 0 };
    await eventually(
      () => candidates().some((signal) => JSON.stringify(signal.body.Candidate) === JSON.stringify(end)),
      10_000,
      'end of candidates',
    );
    expect(candidates().length).toBeGreaterThan(1);
    expect(candidates().at(-1)?.body.Candidate).toEqual(end);
    expect(site.console.signals.findIndex((signal) => signal.body.Type === 'offer')).toBe(0);
    expect(peer.frames).toHaveLength(0);
  });

  it('streams frames whose drawn counter advances after StartStreaming on the control channel', async () => {
    const streamId = randomUUID();
    const askedAt = Date.now();
    const started = await peer.controlCall(
      'StartStreaming',
      {
        Version: '1.0',
        NodeID: '0001',
        PortID: '0001',
        StreamID: streamId,
        Video: { Width: 640, Height: 360, FrameRate: 30 },
      },
      ['Streaming'],
    );
    expect(started.response.ReplyStatusCode).toBe(200);
    expect(started.response.EncryptionOn).toBe(true);
    expect(started.body).toMatchObject({ StreamID: streamId, Status: 'Started' });
    expect((started.body as { Tracks: { TrackID: string }[] }).Tracks[0]?.TrackID).toBe(peer.trackIds[0]);

    await eventually(() => peer.frames.length >= 45, 10_000, '45 decoded frames');
    const counters = peer.frames.map((frame) => frame.frame);
    for (let index = 1; index < counters.length; index += 1) {
      expect(counters[index]).toBeGreaterThan(counters[index - 1] as number);
    }
    // The drawn counter and time are the shared frame clock's: frame n shows epoch + n/fps.
    const last = peer.frames.at(-1);
    expect(last?.wallClockMs).toBe(site.clock.timeOf(30, last?.frame ?? 0));
    expect(last).toMatchObject({ width: 640, height: 360 });
    // Painted after the stream was asked for and before it was read (how soon is a benchmark's).
    expect(last?.wallClockMs).toBeGreaterThanOrEqual(askedAt);
    expect(last?.wallClockMs).toBeLessThanOrEqual(Date.now());

    const status = await site.console.call(
      managementPath(camera.deviceId, 'GetDeviceStatus'),
      { Version: '1.0' },
      ['Management'],
    );
    const node = (status.body as { NodeList: { NodeID: string; Fps: number }[] }).NodeList[0];
    expect(node?.Fps).toBeGreaterThan(0); // rendering; the rate itself is simulatorCapacity's
    expect(camera.stats()).toMatchObject({ streaming: true, sessions: 1 });

    const stopped = await peer.controlCall('StopStreaming', { Version: '1.0', StreamID: streamId }, [
      'Streaming',
    ]);
    const answeredAt = Date.now();
    expect(stopped.body).toEqual({ Version: '1.0', StreamID: streamId, Status: 'Stopped' });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(peer.framesAfter(answeredAt)).toHaveLength(0);
    expect(camera.stats().streaming).toBe(false);
    expect(peer.connectionState).toBe('connected');
  });

  it('refuses StartStreaming on the control channel without the Streaming permission', async () => {
    const refused = await peer.controlCall(
      'StartStreaming',
      { Version: '1.0', NodeID: '0001', PortID: '0001', StreamID: randomUUID() },
      ['Control'],
    );
    expect(refused.response.ReplyStatusCode).toBe(403);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(camera.stats().streaming).toBe(false);
  });
});
