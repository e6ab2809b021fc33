import { describe, expect, it } from 'vitest';
import { drawText, glyphOf, hasGlyph } from '../../../src-main/simulator/scene/bitmapFont';
import { readFrameCodeI420 } from '../../../src-main/simulator/scene/frameCode';
import { FrameRenderer, OVERLAY_LUMA, TEXT_LUMA } from '../../../src-main/simulator/scene/frameRenderer';
import { sceneAt, type SceneObject, type SceneState } from '../../../src-main/simulator/scene/sceneModel';
import { changedExtent, chromaAt, lumaAt, overlaps } from './pixels';

const wallClock = 1_760_000_000_123;

function withObjects(state: SceneState, objects: readonly SceneObject[]): SceneState {
  return { ...state, objects };
}

/** A time at which the seed shows at least `count` objects (scanning from `from`). */
function busyScene(seed: string, count: number, width = 640, height = 360): SceneState {
  for (let t = 0; t < 120_000; t += 500) {
    const state = sceneAt(seed, t, width, height);
    if (state.objects.length >= count) return state;
  }
  throw new Error(`no scene with ${count} objects`);
}

describe('FrameRenderer', () => {
  it('paints I420 frames of width × height × 1.5 into one reused buffer', () => {
    for (const [width, height] of [
      [640, 360],
      [64, 64],
      [100, 200],
      [1280, 720],
    ] as const) {
      const renderer = new FrameRenderer({ cameraName: 'cam', width, height });
      const first = renderer.render(sceneAt('size', 1000, width, height), 1, wallClock);
      expect(first).toBeInstanceOf(Uint8ClampedArray);
      expect(first.length).toBe((width * height * 3) / 2);
      expect(renderer.frameBytes).toBe(first.length);
      const second = renderer.render(sceneAt('size', 2000, width, height), 2, wallClock + 33);
      expect(second).toBe(first);
      expect(renderer.outputBytes.buffer).toBe(second.buffer);
      expect(renderer.outputBytes.byteOffset).toBe(second.byteOffset);
      expect(renderer.outputBytes.byteLength).toBe(second.byteLength);
    }
    expect(new FrameRenderer({ cameraName: 'x' }).width).toBe(640);
  });

  it('refuses a scene of another size and sizes I420 cannot hold', () => {
    const renderer = new FrameRenderer({ cameraName: 'cam' });
    expect(() => renderer.render(sceneAt('x', 0, 320, 180), 0, wallClock)).toThrow(RangeError);
    expect(() => new FrameRenderer({ cameraName: 'cam', width: 641 })).toThrow(RangeError);
  });

  it('fills each object box with its colour and leaves the rest as background', () => {
    const renderer = new FrameRenderer({ cameraName: 'Colours' });
    const state = busyScene('colours', 3);
    const empty = Uint8ClampedArray.from(renderer.render(withObjects(state, []), 7, wallClock));
    const full = Uint8ClampedArray.from(renderer.render(state, 7, wallClock));
    const { width, height } = state;
    // Outside every box the frame is exactly the background.
    const inside = (x: number, y: number): boolean =>
      state.objects.some(
        (o) => x >= o.box.x && x < o.box.x + o.box.width && y >= o.box.y && y < o.box.y + o.box.height,
      );
    let outsideDiffers = 0;
    for (let y = 0; y < height; y += 1) {
      for (let x = 0; x < width; x += 1) {
        if (!inside(x, y) && full[y * width + x] !== empty[y * width + x]) outsideDiffers += 1;
      }
    }
    expect(outsideDiffers).toBe(0);
    for (const object of state.objects) {
      // Alone, an object changes exactly the pixels of its box: the box is the drawn extent.
      const alone = renderer.render(withObjects(state, [object]), 7, wallClock);
      expect(changedExtent(alone, empty, width, height)).toEqual(object.box);
      // The body (last part for people, first for vehicles) has the object's colour.
      const body = object.itemType === 'Human' ? object.parts.at(-1) : object.parts[0];
      if (!body) throw new Error('object without a body');
      expect(body.colour).toEqual(object.colour);
      const covered = state.objects.some(
        (other) =>
          other !== object &&
          state.objects.indexOf(other) > state.objects.indexOf(object) &&
          overlaps(other.box, body),
      );
      if (covered) continue;
      const cx = body.x + (body.width >> 1);
      const cy = body.y + (body.height >> 1);
      expect(lumaAt(full, width, cx, cy)).toBe(object.colour.y);
      expect(chromaAt(full, width, height, cx, cy)).toEqual({ u: object.colour.u, v: object.colour.v });
      for (let y = body.y; y < body.y + body.height; y += 1) {
        for (let x = body.x; x < body.x + body.width; x += 1) {
          if (lumaAt(full, width, x, y) !== object.colour.y)
            throw new Error(`pixel ${x},${y} is not the body colour`);
        }
      }
    }
  });

  it('changes only the overlay text and the frame stamp between frames of one scene', () => {
    const renderer = new FrameRenderer({ cameraName: 'Stamp' });
    const state = busyScene('stamp', 2);
    const a = Uint8ClampedArray.from(renderer.render(state, 41, wallClock));
    const b = renderer.render(state, 42, wallClock + 33);
    const { layout } = renderer;
    const changed = changedExtent(a, b, 640, 360, { from: layout.overlayHeight, to: layout.code.y });
    expect(changed).toBeNull();
    const text = changedExtent(a, b, 640, 360, { from: 0, to: layout.overlayHeight });
    expect(text).not.toBeNull();
    const stamp = changedExtent(a, b, 640, 360, { from: layout.code.y, to: 360 });
    expect(stamp).not.toBeNull();
    expect(stamp?.y ?? 0).toBeGreaterThanOrEqual(layout.code.y);
    expect((stamp?.y ?? 0) + (stamp?.height ?? 0)).toBeLessThanOrEqual(layout.code.y + layout.code.height);
    expect(readFrameCodeI420(b, 640, 360)).toEqual({ frame: 42, wallClockMs: wallClock + 33 });
  });

  it('writes the camera name, wall-clock ms and frame counter with the bitmap font', () => {
    const name = 'Gate 7';
    const renderer = new FrameRenderer({ cameraName: name });
    const frame = renderer.render(sceneAt('text', 0), 1234, wallClock);
    const scale = renderer.layout.textScale;
    // Expected overlay, drawn independently: the band, then both lines.
    const expected = new Uint8ClampedArray(640 * renderer.layout.overlayHeight).fill(OVERLAY_LUMA);
    drawText(expected, 640, renderer.layout.overlayHeight, name, 2 * scale, 2 * scale, scale, TEXT_LUMA);
    drawText(
      expected,
      640,
      renderer.layout.overlayHeight,
      `T:${wallClock} F:1234`,
      2 * scale,
      11 * scale,
      scale,
      TEXT_LUMA,
    );
    expect(frame.subarray(0, expected.length)).toEqual(expected);
    // The first glyph of the name sits where the font says: 'G' row 0 is .###.
    const row0 = [0, 1, 2, 3, 4].map((column) => lumaAt(frame, 640, 2 * scale + column * scale, 2 * scale));
    expect(row0).toEqual([OVERLAY_LUMA, TEXT_LUMA, TEXT_LUMA, TEXT_LUMA, OVERLAY_LUMA]);
  });
});

describe('bitmap font', () => {
  it('has digits, A–Z, space and : . - and draws lowercase as uppercase', () => {
    for (const character of '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ :.-')
      expect(hasGlyph(character)).toBe(true);
    expect(glyphOf('a')).toBe(glyphOf('A'));
    expect(glyphOf('~')).toBe(glyphOf('?'));
    // Every letter and digit is a distinct shape.
    const shapes = new Set(
      [...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'].map((c) => JSON.stringify(glyphOf(c))),
    );
    expect(shapes.size).toBe(36);
  });

  it('clips text at the plane edges', () => {
    const plane = new Uint8ClampedArray(20 * 10);
    expect(() => drawText(plane, 20, 10, 'WWWWWW', -3, -2, 2, 255)).not.toThrow();
    expect(plane.some((value) => value === 255)).toBe(true);
  });
});
