/*
 * Machine-readable frame stamp: the frame counter (32 bits) and the wall-clock ms (48 bits)
 * painted as large black/white cells in the luma plane along the bottom edge, so a receiver
 * can tell which frame it shows and how late it is, even after VP8 at a few hundred kbit/s.
 *
 * Layout, a pure function of the frame size so it survives a receiver-side rescale: 3 rows of
 * 40 square cells (16 px at 640 wide, macroblock aligned at 640x360). Each row starts with a
 * black, white guard and ends with white, black; the 3 × 36 cells between carry, MSB first,
 * frame (32) · wall-clock ms (48) · CRC-16/CCITT of those 80 bits (16) · sync 0xA5C (12).
 *
 * This file has no imports and `readFrameCode` references nothing outside its own body: e2e
 * tests serialise it into a browser page with Function.prototype.toString.
 */

/** Cells per row of the strip. */
export const FRAME_CODE_COLUMNS = 40;
/** Rows of the strip. */
export const FRAME_CODE_ROWS = 3;

/** Luma of a black and a white cell (nominal video range). */
const black = 16;
const white = 235;
const sync = 0xa5c;
const twoTo32 = 0x1_0000_0000;
const twoTo48 = 0x1_0000_0000_0000;

/** Where the strip is painted: pixel bounds and the (possibly fractional) cell size. */
export interface FrameCodeRegion {
  x: number;
  y: number;
  width: number;
  height: number;
  cell: number;
}

/**
 * The strip's region for a frame size. The cell is width/40 (capped at height/10 for very wide
 * frames); the strip sits on the last whole cell row above the bottom, left over rows below it.
 */
export function frameCodeRegion(width: number, height: number): FrameCodeRegion {
  const cell = Math.min(width / FRAME_CODE_COLUMNS, height / 10);
  const x0 = (width - FRAME_CODE_COLUMNS * cell) / 2;
  const y0 = Math.floor((height - FRAME_CODE_ROWS * cell) / cell) * cell;
  const x = Math.round(x0);
  const y = Math.round(y0);
  return {
    x,
    y,
    width: Math.round(x0 + FRAME_CODE_COLUMNS * cell) - x,
    height: Math.round(y0 + FRAME_CODE_ROWS * cell) - y,
    cell,
  };
}

/** CRC-16/CCITT-FALSE over bits given MSB first. */
function crc16(bits: readonly number[]): number {
  let crc = 0xffff;
  for (const bit of bits) {
    const feedback = ((crc >> 15) & 1) ^ bit;
    crc = ((crc << 1) & 0xffff) ^ (feedback ? 0x1021 : 0);
  }
  return crc;
}

function pushBits(bits: number[], value: number, count: number): void {
  for (let index = count - 1; index >= 0; index -= 1) bits.push(Math.floor(value / 2 ** index) % 2);
}

/** The 108 data bits of a stamp: frame, wall-clock ms, CRC, sync. */
function stampBits(frame: number, wallClockMs: number): number[] {
  const bits: number[] = [];
  pushBits(bits, ((Math.floor(frame) % twoTo32) + twoTo32) % twoTo32, 32);
  pushBits(bits, ((Math.floor(wallClockMs) % twoTo48) + twoTo48) % twoTo48, 48);
  pushBits(bits, crc16(bits), 16);
  pushBits(bits, sync, 12);
  return bits;
}

/**
 * Paints the stamp into an I420 frame (Y plane, then U and V at half resolution): luma cells
 * black or white, chroma under the strip neutral so an RGB conversion gives pure greys. The
 * frame counter is taken modulo 2^32 and the wall-clock ms modulo 2^48.
 */
export function encodeFrameCode(
  i420: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  frame: number,
  wallClockMs: number,
): void {
  const region = frameCodeRegion(width, height);
  const x0 = (width - FRAME_CODE_COLUMNS * region.cell) / 2;
  const y0 = Math.floor((height - FRAME_CODE_ROWS * region.cell) / region.cell) * region.cell;
  const bits = stampBits(frame, wallClockMs);
  const dataColumns = FRAME_CODE_COLUMNS - 4;
  for (let row = 0; row < FRAME_CODE_ROWS; row += 1) {
    const top = Math.round(y0 + row * region.cell);
    const bottom = Math.round(y0 + (row + 1) * region.cell);
    for (let column = 0; column < FRAME_CODE_COLUMNS; column += 1) {
      let luma: number;
      if (column === 0 || column === FRAME_CODE_COLUMNS - 1) luma = black;
      else if (column === 1 || column === FRAME_CODE_COLUMNS - 2) luma = white;
      else luma = bits[row * dataColumns + column - 2] ? white : black;
      const left = Math.round(x0 + column * region.cell);
      const right = Math.round(x0 + (column + 1) * region.cell);
      for (let y = top; y < bottom; y += 1) i420.fill(luma, y * width + left, y * width + right);
    }
  }
  // Neutral chroma over every 2x2 block the strip touches.
  const chromaWidth = width / 2;
  const uPlane = width * height;
  const vPlane = uPlane + chromaWidth * (height / 2);
  const cx0 = Math.floor(region.x / 2);
  const cx1 = Math.ceil((region.x + region.width) / 2);
  for (let cy = Math.floor(region.y / 2); cy < Math.ceil((region.y + region.height) / 2); cy += 1) {
    i420.fill(128, uPlane + cy * chromaWidth + cx0, uPlane + cy * chromaWidth + cx1);
    i420.fill(128, vPlane + cy * chromaWidth + cx0, vPlane + cy * chromaWidth + cx1);
  }
}

/**
 * Reads the stamp of a frame through a luma accessor (I420 Y plane in Node, luma of canvas
 * RGBA in a browser); `getLuma` gets integer coordinates inside the frame. Returns null when
 * there is no readable stamp: guards without contrast, a CRC or sync mismatch.
 *
 * Self-contained on purpose (no references outside this body): see the file comment.
 */
export function readFrameCode(
  getLuma: (x: number, y: number) => number,
  width: number,
  height: number,
): { frame: number; wallClockMs: number } | null {
  const columns = 40;
  const rows = 3;
  if (!(width >= columns && height >= 10)) return null;
  const cell = Math.min(width / columns, height / 10);
  const x0 = (width - columns * cell) / 2;
  const y0 = Math.floor((height - rows * cell) / cell) * cell;
  const samples = [0.3, 0.43, 0.57, 0.7];
  const levels: number[] = [];
  for (let row = 0; row < rows; row += 1) {
    const top = Math.round(y0 + row * cell);
    const bottom = Math.round(y0 + (row + 1) * cell);
    for (let column = 0; column < columns; column += 1) {
      const left = Math.round(x0 + column * cell);
      const right = Math.round(x0 + (column + 1) * cell);
      // Average the inner part of the cell: its edges carry the codec's ringing.
      let sum = 0;
      for (const fy of samples) {
        const y = Math.min(height - 1, Math.floor(top + (bottom - top) * fy));
        for (const fx of samples)
          sum += getLuma(Math.min(width - 1, Math.floor(left + (right - left) * fx)), y);
      }
      levels.push(sum / (samples.length * samples.length));
    }
  }
  // Guards: every black one must be darker than every white one, with clear contrast.
  let blackMax = -Infinity;
  let blackSum = 0;
  let whiteMin = Infinity;
  let whiteSum = 0;
  for (let row = 0; row < rows; row += 1) {
    const base = row * columns;
    for (const level of [levels[base] as number, levels[base + columns - 1] as number]) {
      blackMax = Math.max(blackMax, level);
      blackSum += level;
    }
    for (const level of [levels[base + 1] as number, levels[base + columns - 2] as number]) {
      whiteMin = Math.min(whiteMin, level);
      whiteSum += level;
    }
  }
  const blackLevel = blackSum / (rows * 2);
  const whiteLevel = whiteSum / (rows * 2);
  if (whiteLevel - blackLevel < 48 || blackMax >= whiteMin) return null;
  const threshold = (blackLevel + whiteLevel) / 2;
  const bits: number[] = [];
  for (let row = 0; row < rows; row += 1) {
    for (let column = 2; column < columns - 2; column += 1) {
      bits.push((levels[row * columns + column] as number) > threshold ? 1 : 0);
    }
  }
  let crc = 0xffff;
  for (let index = 0; index < 80; index += 1) {
    const feedback = ((crc >> 15) & 1) ^ (bits[index] as number);
    crc = ((crc << 1) & 0xffff) ^ (feedback ? 0x1021 : 0);
  }
  let frame = 0;
  let wallClockMs = 0;
  let check = 0;
  let syncBits = 0;
  for (let index = 0; index < 108; index += 1) {
    const bit = bits[index] as number;
    if (index < 32) frame = frame * 2 + bit;
    else if (index < 80) wallClockMs = wallClockMs * 2 + bit;
    else if (index < 96) check = check * 2 + bit;
    else syncBits = syncBits * 2 + bit;
  }
  if (check !== crc || syncBits !== 0xa5c) return null;
  return { frame, wallClockMs };
}

/** Reads the stamp straight from an I420 (or any Y-first) frame buffer. */
export function readFrameCodeI420(
  data: ArrayLike<number>,
  width: number,
  height: number,
): { frame: number; wallClockMs: number } | null {
  return readFrameCode((x, y) => data[y * width + x] ?? 0, width, height);
}
