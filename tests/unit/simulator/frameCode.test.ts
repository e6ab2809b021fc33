import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  encodeFrameCode,
  frameCodeRegion,
  readFrameCode,
  readFrameCodeI420,
} from '../../../src-main/simulator/scene/frameCode';
import { FrameRenderer } from '../../../src-main/simulator/scene/frameRenderer';
import { sceneAt } from '../../../src-main/simulator/scene/sceneModel';
import { cropI420ToRgba } from '../../../src-main/simulator/scene/thumbnail';

const wallClock = 1_760_000_000_123;

function blankFrame(width: number, height: number, luma = 128, chroma = 128): Uint8ClampedArray {
  const data = new Uint8ClampedArray((width * height * 3) / 2).fill(chroma);
  data.fill(luma, 0, width * height);
  return data;
}

function stamped(width: number, height: number, frame: number, wallClockMs: number): Uint8ClampedArray {
  const data = blankFrame(width, height);
  encodeFrameCode(data, width, height, frame, wallClockMs);
  return data;
}

/** Deterministic noise in ±amplitude on the luma plane. */
function addNoise(data: Uint8ClampedArray, width: number, height: number, amplitude: number): void {
  let state = 12345;
  for (let index = 0; index < width * height; index += 1) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    data[index] = (data[index] as number) + ((state >>> 16) % (2 * amplitude + 1)) - amplitude;
  }
}

/** 5x5 box blur of the luma plane, like a codec smearing edges. */
function blur(data: Uint8ClampedArray, width: number, height: number): Uint8ClampedArray {
  const out = Uint8ClampedArray.from(data);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      let sum = 0;
      let count = 0;
      for (let dy = -2; dy <= 2; dy += 1) {
        for (let dx = -2; dx <= 2; dx += 1) {
          const px = x + dx;
          const py = y + dy;
          if (px < 0 || py < 0 || px >= width || py >= height) continue;
          sum += data[py * width + px] as number;
          count += 1;
        }
      }
      out[y * width + x] = sum / count;
    }
  }
  return out;
}

describe('frame code', () => {
  it('round-trips frame counters and wall-clock ms on raw I420', () => {
    const values: [number, number][] = [
      [0, 0],
      [1, wallClock],
      [0xffff_ffff, 2 ** 48 - 1],
      [123_456_789, Date.now()],
    ];
    for (const [width, height] of [
      [640, 360],
      [1280, 720],
      [320, 180],
      [1920, 1080],
      [64, 64],
      [2000, 64],
      [64, 2000],
    ] as const) {
      for (const [frame, ms] of values) {
        expect(readFrameCodeI420(stamped(width, height, frame, ms), width, height)).toEqual({
          frame,
          wallClockMs: ms,
        });
      }
    }
  });

  it('round-trips any 32-bit frame and 48-bit time', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffff_ffff }), fc.nat({ max: 2 ** 48 - 1 }), (frame, ms) => {
        expect(readFrameCodeI420(stamped(640, 360, frame, ms), 640, 360)).toEqual({ frame, wallClockMs: ms });
      }),
      { numRuns: 200 },
    );
  });

  it('wraps the frame counter at 2^32 and the time at 2^48', () => {
    expect(readFrameCodeI420(stamped(640, 360, 2 ** 32 + 5, 2 ** 48 + 9), 640, 360)).toEqual({
      frame: 5,
      wallClockMs: 9,
    });
  });

  it('is readable from a rendered frame, also through RGBA luma as in a browser canvas', () => {
    const renderer = new FrameRenderer({ cameraName: 'Code' });
    const frame = renderer.render(sceneAt('code', 5000), 987, wallClock);
    expect(readFrameCodeI420(frame, 640, 360)).toEqual({ frame: 987, wallClockMs: wallClock });
    const rgba = cropI420ToRgba(frame, 640, 360, { x: 0, y: 0, width: 640, height: 360 }, 640, 360);
    const luma = (x: number, y: number): number => {
      const i = (y * 640 + x) * 4;
      return 0.299 * (rgba[i] as number) + 0.587 * (rgba[i + 1] as number) + 0.114 * (rgba[i + 2] as number);
    };
    expect(readFrameCode(luma, 640, 360)).toEqual({ frame: 987, wallClockMs: wallClock });
  });

  it('survives noise, blur and a receiver-side downscale', () => {
    const noisy = stamped(640, 360, 4242, wallClock);
    addNoise(noisy, 640, 360, 40);
    expect(readFrameCodeI420(noisy, 640, 360)).toEqual({ frame: 4242, wallClockMs: wallClock });
    const blurred = blur(stamped(640, 360, 4243, wallClock), 640, 360);
    expect(readFrameCodeI420(blurred, 640, 360)).toEqual({ frame: 4243, wallClockMs: wallClock });
    const full = stamped(640, 360, 4244, wallClock);
    const half = (x: number, y: number): number => full[y * 2 * 640 + x * 2] as number;
    expect(readFrameCode(half, 320, 180)).toEqual({ frame: 4244, wallClockMs: wallClock });
  });

  it('reads nothing from frames without a stamp or with a damaged one', () => {
    expect(readFrameCodeI420(blankFrame(640, 360), 640, 360)).toBeNull();
    const renderer = new FrameRenderer({ cameraName: 'x' });
    const picture = Uint8ClampedArray.from(renderer.render(sceneAt('x', 0), 1, wallClock));
    const region = frameCodeRegion(640, 360);
    picture.fill(40, region.y * 640, (region.y + region.height) * 640);
    expect(readFrameCodeI420(picture, 640, 360)).toBeNull();
    // One data cell flipped: the CRC catches it.
    for (const column of [2, 17, 37]) {
      for (const row of [0, 1, 2]) {
        const damaged = stamped(640, 360, 77, wallClock);
        const x = column * region.cell;
        const y = region.y + row * region.cell;
        for (let dy = 0; dy < region.cell; dy += 1) {
          for (let dx = 0; dx < region.cell; dx += 1) {
            const index = (y + dy) * 640 + x + dx;
            damaged[index] = 251 - (damaged[index] as number);
          }
        }
        expect(readFrameCodeI420(damaged, 640, 360)).toBeNull();
      }
    }
    expect(readFrameCodeI420(blankFrame(32, 64), 32, 64)).toBeNull();
  });

  it('paints only inside its region, macroblock-aligned at 640x360', () => {
    const region = frameCodeRegion(640, 360);
    expect(region).toEqual({ x: 0, y: 304, width: 640, height: 48, cell: 16 });
    const before = blankFrame(640, 360, 77, 90);
    const after = Uint8ClampedArray.from(before);
    encodeFrameCode(after, 640, 360, 5, wallClock);
    const inside = (y: number): boolean => y >= region.y && y < region.y + region.height;
    for (let y = 0; y < 360; y += 1) {
      for (let x = 0; x < 640; x += 1) {
        if (!inside(y) && after[y * 640 + x] !== before[y * 640 + x])
          throw new Error(`luma changed at ${x},${y}`);
        if (inside(y) && ![16, 235].includes(after[y * 640 + x] as number))
          throw new Error(`grey at ${x},${y}`);
      }
    }
    // Chroma: neutral under the strip (pure greys in RGB), untouched elsewhere.
    for (const plane of [640 * 360, 640 * 360 + 320 * 180]) {
      for (let cy = 0; cy < 180; cy += 1) {
        const row = after.subarray(plane + cy * 320, plane + (cy + 1) * 320);
        expect(row.every((value) => value === (inside(cy * 2) ? 128 : 90))).toBe(true);
      }
    }
  });

  it('keeps readFrameCode self-contained, so it can run from its source text in a page', () => {
    const source = readFileSync(
      new URL('../../../src-main/simulator/scene/frameCode.ts', import.meta.url),
      'utf8',
    );
    expect(source).not.toMatch(/^\s*import\s/m);
    const revived = new Function(`return (${readFrameCode.toString()});`)() as typeof readFrameCode;
    const data = stamped(640, 360, 31337, wallClock);
    expect(revived((x, y) => data[y * 640 + x] as number, 640, 360)).toEqual({
      frame: 31337,
      wallClockMs: wallClock,
    });
  });
});
