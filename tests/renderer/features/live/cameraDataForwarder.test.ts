import { flushPromises } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CameraDataForwarder,
  maxInFlightDeliveries,
} from '../../../../src-renderer/src/features/live/cameraDataForwarder';
import {
  classifyChannelLabel,
  readInboundVideo,
} from '../../../../src-renderer/src/features/live/cameraPeerConnection';
import type { Result } from '../../../../src-shared/contract/result';
import { consoleId, deviceId } from './sessionFixtures';

const label = `1/${consoleId}/data/0001/0002`;

describe('CameraDataForwarder', () => {
  let warn: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  it('does not wait for main, and counts what it sheds when main falls behind', async () => {
    const waiting: Array<(result: Result<unknown>) => void> = [];
    const delivered: string[] = [];
    const forwarder = new CameraDataForwarder('s', (_label, text) => {
      delivered.push(text);
      return new Promise((resolve) => waiting.push(resolve));
    });
    for (let index = 0; index < maxInFlightDeliveries + 3; index += 1)
      forwarder.receive(label, 'data', `m${index}`);
    expect(delivered).toHaveLength(maxInFlightDeliveries);
    expect(forwarder.takeCounters()).toMatchObject({
      delivered: 0,
      dropped: 3,
      lastFailure: `${label}: main is not keeping up; message dropped`,
    });
    expect(warn).toHaveBeenCalledTimes(1);

    for (const resolve of waiting.splice(0)) resolve({ ok: true, value: {} });
    await flushPromises();
    forwarder.receive(label, 'data', 'after');
    expect(delivered.at(-1)).toBe('after');
    expect(forwarder.takeCounters()).toMatchObject({ delivered: maxInFlightDeliveries, dropped: 3 });
    expect(forwarder.takeCounters()).toBeUndefined();
  });

  it('refuses empty messages, forwards control answers and counts both kinds apart', () => {
    const forwarded: string[] = [];
    const forwarder = new CameraDataForwarder('s', (channel) => {
      forwarded.push(channel);
      return Promise.resolve({ ok: true, value: {} });
    });
    forwarder.receive(label, 'data', '');
    forwarder.receive('chat', 'other', 'hello');
    forwarder.receive(`1/${deviceId}/control`, 'control', '{}');
    expect(forwarder.takeCounters()).toEqual({
      delivered: 0,
      failed: 1,
      dropped: 0,
      controlMessages: 1,
      otherMessages: 1,
      lastFailure: `${label}: an empty message`,
    });
    expect(forwarded).toEqual([`1/${deviceId}/control`]);
    forwarder.stop();
    forwarder.receive(label, 'data', 'late');
    expect(forwarder.takeCounters()).toBeUndefined();
  });
});

describe('camera peer connection helpers', () => {
  it('tells the control channel, data channels and anything else apart by label', () => {
    expect(classifyChannelLabel(`1/${deviceId.toUpperCase()}/control`, deviceId)).toBe('control');
    expect(classifyChannelLabel(`1/${consoleId}/data/0001/0002`, deviceId)).toBe('data');
    expect(classifyChannelLabel(`1.0/${consoleId}/data/0001/0002`, deviceId)).toBe('data');
    expect(classifyChannelLabel(`1/${consoleId}/control`, deviceId)).toBe('other');
    expect(classifyChannelLabel('1/not-an-id/data/0001/0002', deviceId)).toBe('other');
  });

  it('reads the inbound video entry and ignores audio and other entries', () => {
    const report = new Map<string, unknown>([
      ['A', { type: 'inbound-rtp', kind: 'audio', bytesReceived: 1, timestamp: 1 }],
      ['V', { type: 'inbound-rtp', kind: 'video', bytesReceived: 2000, framesDecoded: 10, timestamp: 500 }],
    ]);
    const first = readInboundVideo(report, null, 42);
    expect(first?.stats).toEqual({
      atMs: 42,
      framesDecoded: 10,
      framesPerSecond: null,
      frameWidth: null,
      frameHeight: null,
      bytesReceived: 2000,
      kbitPerSecond: null,
      jitterMs: null,
      packetsLost: null,
      lossRatio: null,
      decoder: null,
    });
    expect(readInboundVideo(new Map([['A', { type: 'transport' }]]), null, 0)).toBeNull();
  });
});
