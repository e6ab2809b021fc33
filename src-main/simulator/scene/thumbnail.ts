import jpeg from 'jpeg-js';
import { createHash } from 'node:crypto';
import type { DataSection } from '../../core/nice/sceneData';
import type { PixelBox } from './sceneModel';

/*
 * Object thumbnails: the object's box cut out of the rendered I420 frame, scaled down to a
 * small JPEG (jpeg-js), and sent as SceneData DataSections (digest §3.4) that the core
 * SceneDataReassembler puts back together byte for byte (SHA-256 in OriginalFileHash).
 */

/** Longest side of a thumbnail by default, in pixels. */
export const DEFAULT_THUMBNAIL_SIDE = 160;
/** JPEG quality by default. */
export const DEFAULT_THUMBNAIL_QUALITY = 70;
/** Raw bytes per DataSection by default (a multiple of 3, so no section has base64 padding). */
export const DEFAULT_SECTION_BYTES = 48 * 1024;

/** Size of the thumbnail of a box: the box scaled so its longest side is at most `maxSide`. */
export function thumbnailSize(
  box: Pick<PixelBox, 'width' | 'height'>,
  maxSide = DEFAULT_THUMBNAIL_SIDE,
): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(box.width, box.height));
  return {
    width: Math.max(1, Math.round(box.width * scale)),
    height: Math.max(1, Math.round(box.height * scale)),
  };
}

/**
 * Cuts `box` (clipped to the frame) out of an I420 frame and scales it to `outWidth` ×
 * `outHeight` (nearest sample), converting BT.601 video range to RGBA.
 */
export function cropI420ToRgba(
  i420: ArrayLike<number>,
  frameWidth: number,
  frameHeight: number,
  box: PixelBox,
  outWidth: number,
  outHeight: number,
): Uint8Array {
  const left = Math.max(0, box.x);
  const top = Math.max(0, box.y);
  const width = Math.min(frameWidth, box.x + box.width) - left;
  const height = Math.min(frameHeight, box.y + box.height) - top;
  if (width <= 0 || height <= 0) throw new RangeError('the box lies outside the frame');
  const chromaWidth = frameWidth >> 1;
  const uPlane = frameWidth * frameHeight;
  const vPlane = uPlane + chromaWidth * (frameHeight >> 1);
  const rgba = new Uint8Array(outWidth * outHeight * 4);
  let out = 0;
  for (let row = 0; row < outHeight; row += 1) {
    const y = top + Math.floor(((row + 0.5) * height) / outHeight);
    for (let column = 0; column < outWidth; column += 1) {
      const x = left + Math.floor(((column + 0.5) * width) / outWidth);
      const chroma = (y >> 1) * chromaWidth + (x >> 1);
      const luma = 1.164 * ((i420[y * frameWidth + x] ?? 16) - 16);
      const u = (i420[uPlane + chroma] ?? 128) - 128;
      const v = (i420[vPlane + chroma] ?? 128) - 128;
      rgba[out] = clamp(luma + 1.596 * v);
      rgba[out + 1] = clamp(luma - 0.392 * u - 0.813 * v);
      rgba[out + 2] = clamp(luma + 2.017 * u);
      rgba[out + 3] = 255;
      out += 4;
    }
  }
  return rgba;
}

function clamp(value: number): number {
  return value < 0 ? 0 : value > 255 ? 255 : Math.round(value);
}

/** Options of makeThumbnail. */
export interface ThumbnailOptions {
  /** DataID of the sections: the SceneDataID the SceneMark names (sceneDataIdFor). */
  dataId: string;
  maxSide?: number;
  quality?: number;
  /** Raw bytes per DataSection (default 48 KiB). */
  sectionBytes?: number;
  /** Default `{dataId}.jpg`. */
  fileName?: string;
  pathUri?: string;
  /** SceneMarkIDs the thumbnail belongs to (DataSection RelatedSceneMarks). */
  relatedSceneMarks?: readonly string[];
}

/** A thumbnail JPEG and the DataSections that carry it. */
export interface Thumbnail {
  dataId: string;
  jpeg: Uint8Array;
  width: number;
  height: number;
  /** SHA-256 of `jpeg`, lowercase hex (the sections' OriginalFileHash). */
  sha256: string;
  sections: DataSection[];
}

/** Encodes the object in `box` of an I420 frame as a JPEG of at most `maxSide` px. */
export function encodeThumbnailJpeg(
  i420: ArrayLike<number>,
  frameWidth: number,
  frameHeight: number,
  box: PixelBox,
  options: { maxSide?: number; quality?: number } = {},
): { jpeg: Uint8Array; width: number; height: number } {
  const { width, height } = thumbnailSize(box, options.maxSide);
  const rgba = cropI420ToRgba(i420, frameWidth, frameHeight, box, width, height);
  const encoded = jpeg.encode({ width, height, data: rgba }, options.quality ?? DEFAULT_THUMBNAIL_QUALITY);
  return {
    jpeg: new Uint8Array(encoded.data.buffer, encoded.data.byteOffset, encoded.data.byteLength),
    width,
    height,
  };
}

/** SHA-256 of bytes, lowercase hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Metadata of the sections of one SceneData file. */
export interface SceneDataSectionOptions {
  dataId: string;
  mediaFormat: NonNullable<DataSection['MediaFormat']>;
  /** `Image` or `Video` (digest §3.4). */
  fileType: string;
  fileName: string;
  pathUri?: string;
  sectionBytes?: number;
  relatedSceneMarks?: readonly string[];
}

/**
 * Splits a file into DataSections 1..LastSection (digest §3.4) with HashMethod SHA256 and the
 * file's SHA-256 in OriginalFileHash, as the core SceneDataReassembler expects.
 */
export function sceneDataSections(bytes: Uint8Array, options: SceneDataSectionOptions): DataSection[] {
  const size = options.sectionBytes ?? DEFAULT_SECTION_BYTES;
  if (!Number.isInteger(size) || size < 1) throw new RangeError('sectionBytes must be a positive integer');
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hash = sha256Hex(buffer);
  const total = Math.max(1, Math.ceil(buffer.length / size));
  return Array.from({ length: total }, (_, index): DataSection => ({
    Version: '1.0',
    DataID: options.dataId,
    Section: index + 1,
    LastSection: total,
    SectionBase64: buffer.subarray(index * size, (index + 1) * size).toString('base64'),
    MediaFormat: options.mediaFormat,
    FileType: options.fileType,
    FileName: options.fileName,
    ...(options.pathUri === undefined ? {} : { PathURI: options.pathUri }),
    HashMethod: 'SHA256',
    OriginalFileHash: hash,
    EncryptionOn: false,
    ...(options.relatedSceneMarks === undefined ? {} : { RelatedSceneMarks: [...options.relatedSceneMarks] }),
  }));
}

/**
 * The thumbnail of the object in `box` of a rendered I420 frame: a JPEG (longest side ≤ 160 px
 * and quality 70 by default) and its DataSections under `dataId`.
 */
export function makeThumbnail(
  i420: ArrayLike<number>,
  frameWidth: number,
  frameHeight: number,
  box: PixelBox,
  options: ThumbnailOptions,
): Thumbnail {
  const { jpeg: bytes, width, height } = encodeThumbnailJpeg(i420, frameWidth, frameHeight, box, options);
  const sections = sceneDataSections(bytes, {
    dataId: options.dataId,
    mediaFormat: 'JPEG',
    fileType: 'Image',
    fileName: options.fileName ?? `${options.dataId}.jpg`,
    ...(options.pathUri === undefined ? {} : { pathUri: options.pathUri }),
    ...(options.sectionBytes === undefined ? {} : { sectionBytes: options.sectionBytes }),
    ...(options.relatedSceneMarks === undefined ? {} : { relatedSceneMarks: options.relatedSceneMarks }),
  });
  return {
    dataId: options.dataId,
    jpeg: bytes,
    width,
    height,
    sha256: sha256Hex(bytes),
    sections,
  };
}
