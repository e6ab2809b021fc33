import wrtc from '@roamhq/wrtc';
import { afterEach, describe, expect, it } from 'vitest';
import { readFrameCode, readFrameCodeI420 } from '../../../src-main/simulator/scene/frameCode';
import { FrameRenderer } from '../../../src-main/simulator/scene/frameRenderer';
import { sceneAt } from '../../../src-main/simulator/scene/sceneModel';

/*
 * The frame stamp through a real VP8 encode/decode: two RTCPeerConnections in this process,
 * frames painted by the renderer into nonstandard.RTCVideoSource, decoded I420 frames read
 * from nonstandard.RTCVideoSink on the other side, the bitrate capped with `b=AS` in the answer.
 */

const width = 640;
const height = 360;

interface I420Frame {
  width: number;
  height: number;
  data: Uint8Array;
}

interface Stamp {
  frame: number;
  wallClockMs: number;
  receivedAt: number;
}

/** Caps the video send bitrate of the side that applies this SDP as its remote description. */
function capBitrate(sdp: string, kbps: number): string {
  return sdp.replace(/(m=video[^\r\n]*\r\n(?:(?!m=)[^\r\n]*\r\n)*?c=[^\r\n]*\r\n)/, `$1b=AS:${kbps}\r\n`);
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Streams until `frames` frames were received (a busy machine takes longer, not fewer), at most 20 s. */
async function stream(kbps: number, frames: number) {
  const sender = new wrtc.RTCPeerConnection();
  const receiver = new wrtc.RTCPeerConnection();
  const source = new wrtc.nonstandard.RTCVideoSource();
  const track = source.createTrack();
  let sink: { stop(): void } | undefined;
  cleanups.push(() => {
    sink?.stop();
    track.stop();
    sender.close();
    receiver.close();
  });
  // ICE: candidates handed straight to the other side (a late one may meet a closed peer; a
  // failed connection shows as missing frames below).
  sender.onicecandidate = ({ candidate }: { candidate: unknown }) => {
    if (candidate) receiver.addIceCandidate(candidate).catch(() => undefined);
  };
  receiver.onicecandidate = ({ candidate }: { candidate: unknown }) => {
    if (candidate) sender.addIceCandidate(candidate).catch(() => undefined);
  };
  sender.addTrack(track);

  const stamps: Stamp[] = [];
  const misses: number[] = [];
  const viaRgba: (Stamp | null)[] = [];
  receiver.ontrack = ({ track: remote }: { track: unknown }) => {
    const videoSink = new wrtc.nonstandard.RTCVideoSink(remote);
    sink = videoSink;
    videoSink.onframe = ({ frame }: { frame: I420Frame }) => {
      const receivedAt = Date.now();
      const stamp = readFrameCodeI420(frame.data, frame.width, frame.height);
      if (stamp) stamps.push({ ...stamp, receivedAt });
      else misses.push(receivedAt);
      // Every 10th frame also the browser way: RGBA, then luma from RGB.
      if ((stamps.length + misses.length) % 10 === 0) {
        const rgba = new Uint8Array(frame.width * frame.height * 4);
        wrtc.nonstandard.i420ToRgba(frame, { width: frame.width, height: frame.height, data: rgba });
        const luma = (x: number, y: number): number => {
          const i = (y * frame.width + x) * 4;
          return 0.299 * (rgba[i] ?? 0) + 0.587 * (rgba[i + 1] ?? 0) + 0.114 * (rgba[i + 2] ?? 0);
        };
        const read = readFrameCode(luma, frame.width, frame.height);
        viaRgba.push(read && { ...read, receivedAt });
      }
    };
  };

  const offer = await sender.createOffer();
  await sender.setLocalDescription(offer);
  await receiver.setRemoteDescription(offer);
  const answer = await receiver.createAnswer();
  await receiver.setLocalDescription(answer);
  await sender.setRemoteDescription({ type: 'answer', sdp: capBitrate(answer.sdp ?? '', kbps) });

  const renderer = new FrameRenderer({ cameraName: `VP8 ${kbps}K` });
  const sent = new Map<number, number>();
  const start = Date.now();
  let frame = 1000;
  const timer = setInterval(() => {
    const now = Date.now();
    sent.set(frame, now);
    renderer.render(sceneAt('webrtc', now - start), frame, now);
    source.onFrame({ width, height, data: renderer.outputBytes });
    frame += 1;
  }, 33);
  cleanups.push(() => clearInterval(timer));
  for (let waited = 0; stamps.length + misses.length < frames && waited < 20_000; waited += 50)
    await new Promise((resolve) => setTimeout(resolve, 50));
  clearInterval(timer);
  await new Promise((resolve) => setTimeout(resolve, 300));

  const stats = new Map<string, Record<string, unknown>>();
  (await sender.getStats()).forEach((report: Record<string, unknown>) =>
    stats.set(String(report.id), report),
  );
  const outbound = [...stats.values()].find((report) => report.type === 'outbound-rtp');
  const codec = stats.get(String(outbound?.codecId));
  const seconds = (Date.now() - start) / 1000;
  return {
    stamps,
    misses,
    viaRgba,
    sent,
    start,
    mimeType: codec?.mimeType,
    kbitPerSecond: (Number(outbound?.bytesSent ?? 0) * 8) / 1000 / seconds,
  };
}

describe('frame code over VP8 (@roamhq/wrtc loopback)', () => {
  it.each([300, 1000])('is read back from decoded frames at %i kbit/s', async (kbps) => {
    const result = await stream(kbps, 90);
    expect(result.mimeType).toBe('video/VP8');
    // The cap holds: the stamp was read from genuinely low-rate video.
    expect(result.kbitPerSecond).toBeLessThan(kbps * 1.2);
    const received = result.stamps.length + result.misses.length;
    expect(received).toBeGreaterThanOrEqual(90);
    expect(result.stamps.length / received).toBeGreaterThanOrEqual(0.9);
    // Frame counters advance, and each carries the wall-clock ms it was painted with.
    for (const [index, stamp] of result.stamps.entries()) {
      const previous = result.stamps[index - 1];
      if (previous) expect(stamp.frame).toBeGreaterThan(previous.frame);
      expect(result.sent.get(stamp.frame)).toBe(stamp.wallClockMs);
      expect(stamp.wallClockMs).toBeGreaterThanOrEqual(result.start);
      expect(stamp.wallClockMs).toBeLessThanOrEqual(stamp.receivedAt);
    }
    const last = result.stamps.at(-1);
    expect(last && last.frame - 1000).toBeGreaterThan(45);
    // The RGBA path of the browser e2e tests reads the same stamps.
    expect(result.viaRgba.length).toBeGreaterThan(3);
    for (const stamp of result.viaRgba) {
      expect(stamp).not.toBeNull();
      if (stamp) expect(result.sent.get(stamp.frame)).toBe(stamp.wallClockMs);
    }
  });
});
