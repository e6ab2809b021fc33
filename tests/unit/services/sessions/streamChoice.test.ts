import { describe, expect, it } from 'vitest';
import { chooseStream } from '../../../../src-main/services/sessions/streamChoice';

/** A GetCapabilities answer as the profile's "Device and node queries" gives it. */
const capabilities = (resolutions: [number, number][], frameRates: number[]) => ({
  Version: '1.0',
  NodeID: '0001',
  Outputs: [
    { PortID: '0002', Type: 'SceneMark', Resolutions: [], MediaFormats: ['JSON'], FrameRates: [] },
    {
      PortID: '0001',
      Type: 'Video',
      Resolutions: resolutions.map(([Width, Height]) => ({ Width, Height })),
      MediaFormats: ['VP8'],
      FrameRates: frameRates,
    },
  ],
});

describe('chooseStream', () => {
  const offered = capabilities(
    [
      [320, 240],
      [640, 480],
      [1280, 720],
    ],
    [5, 15, 25],
  );

  it('never asks for a size the device does not offer: 640x360@30 becomes 640x480@25', () => {
    expect(chooseStream(offered, '0001', {})).toEqual({ Width: 640, Height: 480, FrameRate: 25 });
  });

  it('takes an offered size as asked, and the nearest one otherwise', () => {
    expect(chooseStream(offered, '0001', { width: 1280, height: 720, frameRate: 15 })).toEqual({
      Width: 1280,
      Height: 720,
      FrameRate: 15,
    });
    expect(chooseStream(offered, '0001', { width: 160, height: 120, frameRate: 1 })).toEqual({
      Width: 320,
      Height: 240,
      FrameRate: 5,
    });
  });

  it('gives a grid tile the small stream and an enlarged tile the large one, as far as offered', () => {
    expect(chooseStream(offered, '0001', { size: 'small' })).toEqual({
      Width: 320,
      Height: 240,
      FrameRate: 15,
    });
    expect(chooseStream(offered, '0001', { size: 'large' })).toEqual({
      Width: 1280,
      Height: 720,
      FrameRate: 25,
    });
    // A device with one size offers only that, whichever stream is asked for.
    const single = capabilities([[640, 360]], [30]);
    expect(chooseStream(single, '0001', { size: 'small' })).toEqual({
      Width: 640,
      Height: 360,
      FrameRate: 30,
    });
    // Explicit members win over the size's.
    expect(chooseStream(offered, '0001', { size: 'small', frameRate: 5 })).toEqual({
      Width: 320,
      Height: 240,
      FrameRate: 5,
    });
  });

  it('names the port when it offers no video, and the member when the answer is malformed', () => {
    expect(() => chooseStream(offered, '0002', {})).toThrow(/portId: .*port 0002/);
    expect(() => chooseStream({ Outputs: [{ PortID: 1 }] }, '0001', {})).toThrow(
      /GetCapabilities: Outputs\.0\.PortID/,
    );
  });
});
