import type { NiceItemType } from '../../core/nice/niceEnumerations';
import { frameCodeRegion, type FrameCodeRegion } from './frameCode';

/*
 * The deterministic scene of a simulated camera: a few people and vehicles crossing a street,
 * a pure function of (seed, time, frame size). The renderer draws exactly these rectangles and
 * the SceneMark builder reports exactly these boxes, so what a SceneMark says is what the video
 * shows. Positions are computed in frame-relative units, so every size shows the same scene.
 */

/** The NICEItemTypes the scene contains (digest §3.7 spelling). */
export type SceneItemType = Extract<NiceItemType, 'Human' | 'Vehicle'>;

/** A colour in video-range BT.601 Y'CbCr, as painted into the I420 planes. */
export interface YuvColour {
  y: number;
  u: number;
  v: number;
}

/** A rectangle in integer pixels from the top-left corner. */
export interface PixelBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One filled rectangle of an object's drawing (already clipped). */
export interface ScenePart extends PixelBox {
  colour: YuvColour;
}

/** An object visible in the frame. */
export interface SceneObject {
  /** Stable while the object crosses the frame; a re-entry is a new object with a new id. */
  objectId: string;
  itemType: SceneItemType;
  /** The drawn extent: exactly the union of `parts`, clipped to the frame. */
  box: PixelBox;
  /** Main (body) colour. */
  colour: YuvColour;
  /** Detector confidence, 0.60–0.99, constant per objectId. */
  probability: number;
  /** What the renderer fills, in order. */
  parts: readonly ScenePart[];
}

/** Where things are in a frame of a given size. */
export interface SceneLayout {
  width: number;
  height: number;
  /** Scale of the 5x7 bitmap font: ×2 at 360 rows, ×4 at 720. */
  textScale: number;
  /** Rows [0, overlayHeight) hold the text overlay. */
  overlayHeight: number;
  /** Objects live in rows [stageTop, stageBottom). */
  stageTop: number;
  stageBottom: number;
  /** Background bands inside the stage: sky, grass, road, pavement. */
  skyBottom: number;
  roadTop: number;
  roadBottom: number;
  /** The machine-readable frame stamp along the bottom edge. */
  code: FrameCodeRegion;
}

/** The scene at one instant. */
export interface SceneState {
  seed: number;
  timeMs: number;
  width: number;
  height: number;
  /** Visible objects in drawing order (far to near). */
  objects: readonly SceneObject[];
}

/** Default frame size. */
export const DEFAULT_WIDTH = 640;
export const DEFAULT_HEIGHT = 360;

/** Throws RangeError unless width and height are even integers of at least 64 (I420 needs even). */
export function assertFrameSize(width: number, height: number): void {
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(value) || value < 64 || value % 2 !== 0 || value > 8192) {
      throw new RangeError(`frame ${name} must be an even integer from 64 to 8192, got ${value}`);
    }
  }
}

/** The layout of a frame size (see SceneLayout); throws RangeError for unusable sizes. */
export function sceneLayout(width: number, height: number): SceneLayout {
  assertFrameSize(width, height);
  // Proportional to the height (×2 at 360 rows), so every size shows the same picture scaled.
  const textScale = Math.min(6, Math.max(1, Math.round(height / 180)));
  // Two text lines of 7 rows plus a row of spacing each, with a margin above and below.
  const overlayHeight = 20 * textScale;
  const code = frameCodeRegion(width, height);
  const stageTop = overlayHeight;
  const stageBottom = Math.max(stageTop + 16, code.y - Math.max(2, Math.round(code.cell / 2)));
  const stage = stageBottom - stageTop;
  return {
    width,
    height,
    textScale,
    overlayHeight,
    stageTop,
    stageBottom,
    skyBottom: stageTop + Math.round(stage * 0.34),
    roadTop: stageTop + Math.round(stage * 0.58),
    roadBottom: stageTop + Math.round(stage * 0.92),
    code,
  };
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness: a 32-bit hash of (seed, values…), mapped to [0, 1).

/** FNV-1a of a string, the scene seed of a camera name or index. */
export function sceneSeed(seed: number | string): number {
  const text = String(seed);
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  }
  return hash >>> 0;
}

/** murmur3-style mix of a seed and small integers. */
function hash(seed: number, a: number, b = 0, c = 0): number {
  let h = seed >>> 0;
  for (const value of [a, b, c]) {
    h = Math.imul(h ^ (value | 0), 0x9e3779b1);
    h ^= h >>> 15;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
  }
  h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function unit(seed: number, a: number, b = 0, c = 0): number {
  return hash(seed, a, b, c) / 0x1_0000_0000;
}

function between(low: number, high: number, fraction: number): number {
  return low + (high - low) * fraction;
}

// ---------------------------------------------------------------------------------------------
// Palette (video-range BT.601). Lumas avoid the background's so every object pixel differs
// from what it covers.

const shirts: readonly YuvColour[] = [
  { y: 97, u: 101, v: 207 }, // red
  { y: 150, u: 61, v: 180 }, // orange
  { y: 194, u: 38, v: 146 }, // yellow
  { y: 107, u: 175, v: 187 }, // magenta
  { y: 149, u: 160, v: 56 }, // cyan
  { y: 218, u: 128, v: 128 }, // white
];
const skin: YuvColour = { y: 155, u: 107, v: 152 };
const paints: readonly YuvColour[] = [
  { y: 94, u: 197, v: 96 }, // blue
  { y: 80, u: 106, v: 206 }, // red
  { y: 188, u: 130, v: 126 }, // silver
  { y: 82, u: 119, v: 92 }, // dark green
  { y: 218, u: 128, v: 128 }, // white
  { y: 38, u: 130, v: 126 }, // black
];
const glass: YuvColour = { y: 60, u: 138, v: 118 };

// ---------------------------------------------------------------------------------------------
// Actors: each crosses the frame again and again, one pass ("lap") per objectId.

interface Actor {
  index: number;
  itemType: SceneItemType;
  /** +1 left to right, -1 right to left. */
  direction: number;
  /** Frame widths per second. */
  speed: number;
  /** Frame widths of empty road after each pass. */
  gap: number;
  phase: number;
}

// Size ranges, as fractions of the stage height.
const human = { feetLow: 0.48, feetHigh: 0.66, heightFar: 0.24, heightNear: 0.44, aspectHigh: 0.4 };
const vehicle = { baseLow: 0.7, baseHigh: 0.9, heightFar: 0.15, heightNear: 0.24, aspectHigh: 2.7 };
const sizeHigh = 1.1;

function actorsOf(seed: number): Actor[] {
  const count = 3 + (hash(seed, 1) % 4);
  return Array.from({ length: count }, (_, index): Actor => {
    const isHuman = index === 0 || (index !== 1 && unit(seed, 2, index) < 0.6);
    return {
      index,
      itemType: isHuman ? 'Human' : 'Vehicle',
      direction: unit(seed, 3, index) < 0.5 ? 1 : -1,
      speed: isHuman ? between(0.035, 0.08, unit(seed, 4, index)) : between(0.12, 0.3, unit(seed, 4, index)),
      gap: isHuman ? between(0.02, 0.3, unit(seed, 5, index)) : between(0.1, 0.8, unit(seed, 5, index)),
      phase: unit(seed, 6, index),
    };
  });
}

/**
 * Widest an actor of this kind can be, as a fraction of the frame width, with slack for
 * rounding: the off-screen run-up of a pass, so a new objectId never pops up in view. A pure
 * proportion, so every frame size shows the same scene.
 */
function runUp(itemType: SceneItemType, layout: SceneLayout): number {
  const stage = layout.stageBottom - layout.stageTop;
  const widest =
    itemType === 'Human'
      ? stage * human.heightNear * sizeHigh * human.aspectHigh
      : Math.min(layout.width * 0.5, stage * vehicle.heightNear * sizeHigh * vehicle.aspectHigh);
  return (widest * 1.05) / layout.width + 0.004;
}

function clipPart(
  x: number,
  y: number,
  width: number,
  height: number,
  colour: YuvColour,
  layout: SceneLayout,
): ScenePart | null {
  const left = Math.max(0, x);
  const top = Math.max(layout.stageTop, y);
  const right = Math.min(layout.width, x + width);
  const bottom = Math.min(layout.stageBottom, y + height);
  return right > left && bottom > top
    ? { x: left, y: top, width: right - left, height: bottom - top, colour }
    : null;
}

/** Parts of a person (head above a body) or a vehicle (body, cabin, window), unclipped box given. */
function partsOf(
  itemType: SceneItemType,
  box: PixelBox,
  colour: YuvColour,
  layout: SceneLayout,
): ScenePart[] {
  const { x, y, width, height } = box;
  const parts: (ScenePart | null)[] = [];
  if (itemType === 'Human') {
    const headHeight = Math.max(1, Math.round(height * 0.2));
    const headWidth = Math.max(1, Math.round(width * 0.55));
    parts.push(clipPart(x + Math.floor((width - headWidth) / 2), y, headWidth, headHeight, skin, layout));
    parts.push(clipPart(x, y + headHeight, width, height - headHeight, colour, layout));
  } else {
    const cabinHeight = Math.max(1, Math.round(height * 0.38));
    const inset = Math.round(width * 0.18);
    parts.push(clipPart(x, y + cabinHeight, width, height - cabinHeight, colour, layout));
    parts.push(clipPart(x + inset, y, width - 2 * inset, cabinHeight, colour, layout));
    const pane = Math.max(1, Math.round(cabinHeight * 0.25));
    parts.push(
      clipPart(x + inset + pane, y + pane, width - 2 * (inset + pane), cabinHeight - pane, glass, layout),
    );
  }
  return parts.filter((part): part is ScenePart => part !== null);
}

function unionOf(parts: readonly PixelBox[]): PixelBox {
  let left = Infinity;
  let top = Infinity;
  let right = -Infinity;
  let bottom = -Infinity;
  for (const part of parts) {
    left = Math.min(left, part.x);
    top = Math.min(top, part.y);
    right = Math.max(right, part.x + part.width);
    bottom = Math.max(bottom, part.y + part.height);
  }
  return { x: left, y: top, width: right - left, height: bottom - top };
}

function objectOf(seed: number, actor: Actor, timeMs: number, layout: SceneLayout): SceneObject | null {
  const { width } = layout;
  const stage = layout.stageBottom - layout.stageTop;
  const margin = runUp(actor.itemType, layout);
  const pass = 1 + 2 * margin;
  const cycle = pass + actor.gap;
  const travelled = (timeMs / 1000) * actor.speed + actor.phase * cycle;
  const lap = Math.floor(travelled / cycle);
  const progress = travelled - lap * cycle;
  if (progress >= pass) return null;

  // Per-pass looks: lane, size, colour and confidence.
  const laneStart = unit(seed, 10, actor.index, lap);
  const laneEnd = actor.itemType === 'Human' ? unit(seed, 11, actor.index, lap) : laneStart;
  const lane = between(laneStart, laneEnd, progress / pass);
  const size = between(0.85, sizeHigh, unit(seed, 12, actor.index, lap));
  const shape = unit(seed, 13, actor.index, lap);
  const pick = hash(seed, 14, actor.index, lap);
  const probability = Math.round(between(0.6, 0.99, unit(seed, 15, actor.index, lap)) * 100) / 100;

  let boxHeight: number;
  let boxWidth: number;
  let baseline: number;
  let colour: YuvColour;
  if (actor.itemType === 'Human') {
    baseline = layout.stageTop + stage * between(human.feetLow, human.feetHigh, lane);
    boxHeight = stage * between(human.heightFar, human.heightNear, lane) * size;
    boxWidth = boxHeight * between(0.34, human.aspectHigh, shape);
    colour = shirts[pick % shirts.length] as YuvColour;
  } else {
    baseline = layout.stageTop + stage * between(vehicle.baseLow, vehicle.baseHigh, lane);
    boxHeight = stage * between(vehicle.heightFar, vehicle.heightNear, lane) * size;
    boxWidth = Math.min(width * 0.5, boxHeight * between(2.1, vehicle.aspectHigh, shape));
    colour = paints[pick % paints.length] as YuvColour;
  }
  const h = Math.max(2, Math.round(boxHeight));
  const w = Math.max(2, Math.round(boxWidth));
  const offset = (progress - margin) * width;
  const x = Math.round(actor.direction > 0 ? offset : width - offset - w);
  const y = Math.round(baseline) - h;
  const parts = partsOf(actor.itemType, { x, y, width: w, height: h }, colour, layout);
  if (parts.length === 0) return null;
  return {
    objectId: `${actor.itemType === 'Human' ? 'H' : 'V'}${actor.index}-${lap}`,
    itemType: actor.itemType,
    box: unionOf(parts),
    colour,
    probability,
    parts,
  };
}

/**
 * The scene of camera `seed` (a number or a string such as the camera name; see sceneSeed) at
 * `timeMs` for a frame of `width` × `height`: 3–6 actors per seed, each crossing the frame
 * at its own speed and re-entering after a gap. Pure and deterministic.
 */
export function sceneAt(
  seed: number | string,
  timeMs: number,
  width = DEFAULT_WIDTH,
  height = DEFAULT_HEIGHT,
): SceneState {
  if (!Number.isFinite(timeMs)) throw new RangeError('timeMs must be a finite number');
  const layout = sceneLayout(width, height);
  const seedValue = sceneSeed(seed);
  const objects = actorsOf(seedValue)
    .map((actor) => objectOf(seedValue, actor, timeMs, layout))
    .filter((object): object is SceneObject => object !== null)
    .sort((a, b) => a.box.y + a.box.height - (b.box.y + b.box.height) || (a.objectId < b.objectId ? -1 : 1));
  return { seed: seedValue, timeMs, width, height, objects };
}
