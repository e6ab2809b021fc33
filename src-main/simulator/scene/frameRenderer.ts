import { drawText } from './bitmapFont';
import { encodeFrameCode } from './frameCode';
import {
  DEFAULT_HEIGHT,
  DEFAULT_WIDTH,
  sceneLayout,
  type PixelBox,
  type SceneLayout,
  type SceneState,
  type YuvColour,
} from './sceneModel';

/*
 * Paints I420 frames (the `{width, height, data}` layout of @roamhq/wrtc's
 * nonstandard.RTCVideoSource.onFrame): Y plane, then U and V at half resolution. The static
 * background (bands, road marking, camera name) is painted once per renderer and copied in per
 * frame; objects, the time/frame line and the frame stamp are row fills on top, so a 640x360
 * frame costs a memcpy and a few hundred `fill` calls.
 */

/** Luma of the overlay band and of its text. */
export const OVERLAY_LUMA = 24;
export const TEXT_LUMA = 235;

/** Background colours (video-range BT.601). */
const overlay: YuvColour = { y: OVERLAY_LUMA, u: 128, v: 128 };
const grass: YuvColour = { y: 110, u: 97, v: 96 };
const road: YuvColour = { y: 72, u: 128, v: 128 };
const marking: YuvColour = { y: 210, u: 128, v: 128 };
const pavement: YuvColour = { y: 140, u: 124, v: 134 };
const ground: YuvColour = { y: 40, u: 128, v: 128 };
const skyTop = 160;
const skyHorizon = 185;

/** Options of a FrameRenderer. */
export interface FrameRendererOptions {
  /** Drawn in the overlay's first line (uppercase; characters the font lacks show as `?`). */
  cameraName: string;
  /** Even, at least 64 (default 640 × 360). */
  width?: number;
  height?: number;
}

/** Fills a rectangle of an I420 frame: exact in luma, covering in chroma (2x2 blocks). */
export function fillI420Rect(
  data: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  box: PixelBox,
  colour: YuvColour,
): void {
  const left = Math.max(0, box.x);
  const top = Math.max(0, box.y);
  const right = Math.min(width, box.x + box.width);
  const bottom = Math.min(height, box.y + box.height);
  if (right <= left || bottom <= top) return;
  for (let y = top; y < bottom; y += 1) data.fill(colour.y, y * width + left, y * width + right);
  const chromaWidth = width >> 1;
  const uPlane = width * height;
  const vPlane = uPlane + chromaWidth * (height >> 1);
  const cLeft = left >> 1;
  const cRight = (right + 1) >> 1;
  for (let cy = top >> 1; cy < (bottom + 1) >> 1; cy += 1) {
    const row = cy * chromaWidth;
    data.fill(colour.u, uPlane + row + cLeft, uPlane + row + cRight);
    data.fill(colour.v, vPlane + row + cLeft, vPlane + row + cRight);
  }
}

/** One camera's painter; `render` reuses a single output buffer. */
export class FrameRenderer {
  readonly width: number;
  readonly height: number;
  readonly cameraName: string;
  readonly layout: SceneLayout;
  /**
   * A Uint8Array view of the buffer `render` fills (no copy), for APIs typed with Uint8Array
   * such as @roamhq/wrtc's RTCVideoFrame typings (at run time it takes either).
   */
  readonly outputBytes: Uint8Array;
  private readonly background: Uint8ClampedArray;
  private readonly output: Uint8ClampedArray;

  constructor(options: FrameRendererOptions) {
    this.width = options.width ?? DEFAULT_WIDTH;
    this.height = options.height ?? DEFAULT_HEIGHT;
    this.layout = sceneLayout(this.width, this.height);
    this.cameraName = options.cameraName;
    this.background = new Uint8ClampedArray((this.width * this.height * 3) / 2);
    this.output = new Uint8ClampedArray(this.background.length);
    this.outputBytes = new Uint8Array(this.output.buffer, this.output.byteOffset, this.output.byteLength);
    this.paintBackground();
  }

  /** Size in bytes of a frame: width × height × 1.5. */
  get frameBytes(): number {
    return this.output.length;
  }

  /**
   * Paints `state` (which must have this renderer's size) with the wall-clock ms and the frame
   * counter as text and as a machine-readable stamp (frameCode.ts). Returns the renderer's own
   * buffer, overwritten by the next call: copy it if it must outlive that.
   */
  render(state: SceneState, frame: number, wallClockMs: number): Uint8ClampedArray {
    if (state.width !== this.width || state.height !== this.height) {
      throw new RangeError(
        `scene is ${state.width}x${state.height} but the renderer paints ${this.width}x${this.height}`,
      );
    }
    const { output, width, height, layout } = this;
    output.set(this.background);
    for (const object of state.objects) {
      for (const part of object.parts) fillI420Rect(output, width, height, part, part.colour);
    }
    const scale = layout.textScale;
    drawText(
      output,
      width,
      layout.overlayHeight,
      `T:${Math.floor(wallClockMs)} F:${frame}`,
      2 * scale,
      11 * scale,
      scale,
      TEXT_LUMA,
    );
    encodeFrameCode(output, width, height, frame, wallClockMs);
    return output;
  }

  private paintBackground(): void {
    const { background: data, width, height, layout } = this;
    const band = (top: number, bottom: number, colour: YuvColour): void =>
      fillI420Rect(data, width, height, { x: 0, y: top, width, height: bottom - top }, colour);
    band(0, layout.overlayHeight, overlay);
    // Sky: a vertical gradient, lighter towards the horizon.
    const skyRows = Math.max(1, layout.skyBottom - layout.stageTop);
    for (let y = layout.stageTop; y < layout.skyBottom; y += 1) {
      const luma = Math.round(skyTop + ((skyHorizon - skyTop) * (y - layout.stageTop)) / skyRows);
      band(y, y + 1, { y: luma, u: 153, v: 103 });
    }
    band(layout.skyBottom, layout.roadTop, grass);
    band(layout.roadTop, layout.roadBottom, road);
    band(layout.roadBottom, layout.stageBottom, pavement);
    band(layout.stageBottom, height, ground);
    // Dashed centre line of the road.
    const dash = Math.max(2, Math.round(width / 16));
    const thickness = Math.max(1, layout.textScale);
    const middle = Math.round((layout.roadTop + layout.roadBottom) / 2) - (thickness >> 1);
    for (let x = dash >> 1; x < width; x += 2 * dash) {
      fillI420Rect(data, width, height, { x, y: middle, width: dash, height: thickness }, marking);
    }
    const scale = layout.textScale;
    drawText(data, width, layout.overlayHeight, this.cameraName, 2 * scale, 2 * scale, scale, TEXT_LUMA);
  }
}
