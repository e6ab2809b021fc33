import { describe, expect, it } from 'vitest';
import { niceItemTypes } from '../../../src-main/core/nice/niceEnumerations';
import {
  sceneAt,
  sceneLayout,
  sceneSeed,
  type SceneObject,
} from '../../../src-main/simulator/scene/sceneModel';

const seeds: (number | string)[] = [0, 1, 2, 7, 'camera-a', 'Lobby 01'];

/** Samples a minute of a seed's scene every `stepMs`. */
function minuteOf(seed: number | string, stepMs = 250, width = 640, height = 360) {
  const frames = [];
  for (let t = 0; t < 60_000; t += stepMs) frames.push(sceneAt(seed, t, width, height));
  return frames;
}

describe('sceneAt', () => {
  it('is a pure function of seed, time and size', () => {
    for (const seed of seeds) {
      expect(sceneAt(seed, 12_345)).toEqual(sceneAt(seed, 12_345));
    }
    expect(sceneSeed(3)).toBe(sceneSeed('3'));
    expect(sceneAt(1, 5000).objects).not.toEqual(sceneAt(2, 5000).objects);
  });

  it('keeps 0–6 objects of the NICE types Human and Vehicle, 2 or more at times', () => {
    for (const seed of seeds) {
      const counts = minuteOf(seed).map((state) => state.objects.length);
      expect(Math.max(...counts)).toBeGreaterThanOrEqual(2);
      expect(Math.max(...counts)).toBeLessThanOrEqual(6);
      const types = new Set(minuteOf(seed, 1000).flatMap((state) => state.objects.map((o) => o.itemType)));
      expect([...types].sort()).toEqual(['Human', 'Vehicle']);
      for (const type of types) expect(niceItemTypes).toContain(type);
    }
  });

  it('keeps every box integer, inside the stage and equal to the union of its parts', () => {
    for (const [width, height] of [
      [640, 360],
      [64, 64],
      [1280, 720],
      [200, 400],
    ] as const) {
      const layout = sceneLayout(width, height);
      for (const state of minuteOf('boxes', 500, width, height)) {
        for (const object of state.objects) {
          const { x, y, width: w, height: h } = object.box;
          for (const value of [x, y, w, h]) expect(Number.isInteger(value)).toBe(true);
          expect(w).toBeGreaterThan(0);
          expect(h).toBeGreaterThan(0);
          expect(x).toBeGreaterThanOrEqual(0);
          expect(x + w).toBeLessThanOrEqual(width);
          expect(y).toBeGreaterThanOrEqual(layout.stageTop);
          expect(y + h).toBeLessThanOrEqual(layout.stageBottom);
          expect(layout.stageBottom).toBeLessThanOrEqual(layout.code.y);
          const parts = object.parts;
          expect(Math.min(...parts.map((p) => p.x))).toBe(x);
          expect(Math.min(...parts.map((p) => p.y))).toBe(y);
          expect(Math.max(...parts.map((p) => p.x + p.width))).toBe(x + w);
          expect(Math.max(...parts.map((p) => p.y + p.height))).toBe(y + h);
          expect(object.probability).toBeGreaterThanOrEqual(0.6);
          expect(object.probability).toBeLessThanOrEqual(0.99);
        }
      }
    }
  });

  it('moves objects over time under stable ids, each crossing once per id', () => {
    for (const seed of seeds) {
      const frames = minuteOf(seed, 100);
      const seen = new Map<string, { frames: number[]; centres: number[]; objects: SceneObject[] }>();
      frames.forEach((state, index) => {
        for (const object of state.objects) {
          const track = seen.get(object.objectId) ?? { frames: [], centres: [], objects: [] };
          track.frames.push(index);
          track.centres.push(object.box.x + object.box.width / 2);
          track.objects.push(object);
          seen.set(object.objectId, track);
        }
      });
      // Objects leave and new ones enter: more ids than actors can have at once.
      expect(seen.size).toBeGreaterThan(6);
      for (const track of seen.values()) {
        // Visible in one contiguous run of frames: the id is never reused after it left.
        const [first = 0] = track.frames;
        expect(track.frames).toEqual(track.frames.map((_, i) => first + i));
        // Enters and leaves across an edge: an id never pops up or vanishes in view.
        const touchesEdge = (o: SceneObject): boolean => o.box.x === 0 || o.box.x + o.box.width === 640;
        const [entered] = track.objects;
        const left = track.objects.at(-1);
        // (A sliver no wider than 100 ms of the fastest motion, 0.3 frame widths per second.)
        if (entered && first > 0) {
          expect(touchesEdge(entered)).toBe(true);
          expect(entered.box.width).toBeLessThanOrEqual(20);
        }
        if (left && first + track.frames.length < frames.length) {
          expect(touchesEdge(left)).toBe(true);
          expect(left.box.width).toBeLessThanOrEqual(20);
        }
        // Same probability and type for the whole pass.
        expect(new Set(track.objects.map((o) => `${o.itemType} ${o.probability}`)).size).toBe(1);
        // Moves in one direction only.
        const steps = track.centres.slice(1).map((centre, i) => centre - (track.centres[i] ?? 0));
        if (steps.length > 5) {
          expect(steps.some((step) => step !== 0)).toBe(true);
          expect(steps.every((step) => step >= 0) || steps.every((step) => step <= 0)).toBe(true);
        }
      }
    }
  });

  it('draws people taller than wide and vehicles wider than tall, vehicles faster', () => {
    const speeds = { Human: [] as number[], Vehicle: [] as number[] };
    for (const seed of seeds) {
      const a = sceneAt(seed, 30_000);
      const b = sceneAt(seed, 30_500);
      for (const object of a.objects) {
        const whole = object.box.x > 0 && object.box.x + object.box.width < a.width;
        if (whole && object.itemType === 'Human') expect(object.box.height).toBeGreaterThan(object.box.width);
        if (whole && object.itemType === 'Vehicle')
          expect(object.box.width).toBeGreaterThan(object.box.height);
        const later = b.objects.find((o) => o.objectId === object.objectId);
        if (later && whole && later.box.x > 0 && later.box.x + later.box.width < b.width) {
          speeds[object.itemType].push(Math.abs(later.box.x - object.box.x) * 2);
        }
      }
    }
    const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
    expect(speeds.Human.length).toBeGreaterThan(0);
    expect(speeds.Vehicle.length).toBeGreaterThan(0);
    expect(mean(speeds.Vehicle)).toBeGreaterThan(mean(speeds.Human) * 1.5);
  });

  it('shows the same scene at every size, scaled', () => {
    const small = sceneAt('scaled', 20_000, 640, 360);
    const large = sceneAt('scaled', 20_000, 1280, 720);
    expect(large.objects.map((o) => o.objectId)).toEqual(small.objects.map((o) => o.objectId));
    small.objects.forEach(({ box }, index) => {
      const big = large.objects[index]?.box ?? { x: NaN, y: NaN, width: NaN, height: NaN };
      // Rounding to whole pixels at each size: within a pixel.
      expect(Math.abs(big.x / 2 - box.x)).toBeLessThanOrEqual(1);
      expect(Math.abs(big.y / 2 - box.y)).toBeLessThanOrEqual(1);
      expect(Math.abs(big.width / 2 - box.width)).toBeLessThanOrEqual(1);
      expect(Math.abs(big.height / 2 - box.height)).toBeLessThanOrEqual(1);
    });
  });

  it('keeps positions exact at epoch-scale times', () => {
    const now = 1_760_000_000_000;
    const a = sceneAt('epoch', now);
    const b = sceneAt('epoch', now + 33);
    expect(a.objects.length).toBeGreaterThan(0);
    expect(b.objects.map((o) => o.box)).not.toEqual(a.objects.map((o) => o.box));
  });

  it('draws far objects first', () => {
    for (const state of minuteOf('order', 1000)) {
      const bottoms = state.objects.map((o) => o.box.y + o.box.height);
      expect(bottoms).toEqual([...bottoms].sort((p, q) => p - q));
    }
  });

  it('refuses sizes I420 cannot hold', () => {
    expect(() => sceneAt(1, 0, 63, 64)).toThrow(RangeError);
    expect(() => sceneAt(1, 0, 65, 64)).toThrow(RangeError);
    expect(() => sceneAt(1, 0, 64, 62)).toThrow(RangeError);
    expect(() => sceneAt(1, Number.NaN)).toThrow(RangeError);
    expect(sceneAt(1, 0, 64, 64).width).toBe(64);
  });
});
