import type { PixelBox } from '../../../src-main/simulator/scene/sceneModel';

/** Luma of an I420 frame at (x, y). */
export function lumaAt(data: ArrayLike<number>, width: number, x: number, y: number): number {
  return data[y * width + x] as number;
}

/** U and V of an I420 frame at pixel (x, y). */
export function chromaAt(
  data: ArrayLike<number>,
  width: number,
  height: number,
  x: number,
  y: number,
): { u: number; v: number } {
  const index = (y >> 1) * (width >> 1) + (x >> 1);
  const uPlane = width * height;
  return {
    u: data[uPlane + index] as number,
    v: data[uPlane + (width >> 1) * (height >> 1) + index] as number,
  };
}

/** Bounding box of the luma pixels that differ between two frames, or null when none does. */
export function changedExtent(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  width: number,
  height: number,
  rows: { from: number; to: number } = { from: 0, to: height },
): PixelBox | null {
  let left = Infinity;
  let top = Infinity;
  let right = -Infinity;
  let bottom = -Infinity;
  for (let y = rows.from; y < rows.to; y += 1) {
    for (let x = 0; x < width; x += 1) {
      if (a[y * width + x] !== b[y * width + x]) {
        left = Math.min(left, x);
        right = Math.max(right, x + 1);
        top = Math.min(top, y);
        bottom = Math.max(bottom, y + 1);
      }
    }
  }
  return left === Infinity ? null : { x: left, y: top, width: right - left, height: bottom - top };
}

/** Whether two boxes overlap. */
export function overlaps(a: PixelBox, b: PixelBox): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** BT.601 video-range Y'CbCr to RGB, for comparing decoded JPEG pixels. */
export function yuvToRgb(colour: { y: number; u: number; v: number }): [number, number, number] {
  const luma = 1.164 * (colour.y - 16);
  const u = colour.u - 128;
  const v = colour.v - 128;
  const clamp = (value: number): number => Math.max(0, Math.min(255, Math.round(value)));
  return [clamp(luma + 1.596 * v), clamp(luma - 0.392 * u - 0.813 * v), clamp(luma + 2.017 * u)];
}
