import jpeg from 'jpeg-js';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseDataSection, SceneDataReassembler } from '../../../src-main/core/nice/sceneData';
import { FrameRenderer } from '../../../src-main/simulator/scene/frameRenderer';
import { sceneAt, type SceneObject, type SceneState } from '../../../src-main/simulator/scene/sceneModel';
import {
  cropI420ToRgba,
  makeThumbnail,
  sceneDataSections,
  thumbnailSize,
} from '../../../src-main/simulator/scene/thumbnail';
import { overlaps, yuvToRgb } from './pixels';

const wallClock = 1_760_000_000_000;

/** A rendered frame and an object no later object covers. */
function frameWithObject(itemType: SceneObject['itemType']): {
  frame: Uint8ClampedArray;
  state: SceneState;
  object: SceneObject;
} {
  const renderer = new FrameRenderer({ cameraName: 'Thumbs' });
  for (let t = 0; t < 120_000; t += 500) {
    const state = sceneAt('thumbs', t);
    const object = state.objects.find(
      (candidate, index) =>
        candidate.itemType === itemType &&
        candidate.box.width >= 20 &&
        state.objects.slice(index + 1).every((other) => !overlaps(other.box, candidate.box)),
    );
    if (object) return { frame: Uint8ClampedArray.from(renderer.render(state, 1, wallClock)), state, object };
  }
  throw new Error(`no uncovered ${itemType}`);
}

describe('thumbnailSize', () => {
  it('scales the longest side down to the limit and keeps the aspect ratio', () => {
    expect(thumbnailSize({ width: 320, height: 160 })).toEqual({ width: 160, height: 80 });
    expect(thumbnailSize({ width: 30, height: 90 })).toEqual({ width: 30, height: 90 });
    expect(thumbnailSize({ width: 100, height: 400 }, 100)).toEqual({ width: 25, height: 100 });
    expect(thumbnailSize({ width: 1000, height: 1 })).toEqual({ width: 160, height: 1 });
  });
});

describe('cropI420ToRgba', () => {
  it('converts video-range BT.601 to RGB', () => {
    const frame = new Uint8ClampedArray(64 * 64 * 1.5).fill(128);
    frame.fill(235, 0, 64 * 32);
    frame.fill(16, 64 * 32, 64 * 64);
    const white = cropI420ToRgba(frame, 64, 64, { x: 0, y: 0, width: 4, height: 4 }, 1, 1);
    const black = cropI420ToRgba(frame, 64, 64, { x: 0, y: 40, width: 4, height: 4 }, 1, 1);
    expect([...white]).toEqual([255, 255, 255, 255]);
    expect([...black]).toEqual([0, 0, 0, 255]);
    expect(() => cropI420ToRgba(frame, 64, 64, { x: 70, y: 0, width: 4, height: 4 }, 1, 1)).toThrow(
      RangeError,
    );
  });
});

describe('makeThumbnail', () => {
  it.each(['Human', 'Vehicle'] as const)('encodes a %s crop as a small JPEG with its colours', (itemType) => {
    const { frame, object } = frameWithObject(itemType);
    const thumbnail = makeThumbnail(frame, 640, 360, object.box, { dataId: 'SDT_dev_0001_00000001' });
    const expected = thumbnailSize(object.box);
    expect({ width: thumbnail.width, height: thumbnail.height }).toEqual(expected);
    expect(Math.max(thumbnail.width, thumbnail.height)).toBeLessThanOrEqual(160);
    expect([...thumbnail.jpeg.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    const decoded = jpeg.decode(thumbnail.jpeg, { useTArray: true });
    expect({ width: decoded.width, height: decoded.height }).toEqual(expected);
    // Sample the middle of the body: the object's colour, give or take JPEG loss.
    const body = itemType === 'Human' ? object.parts.at(-1) : object.parts[0];
    if (!body) throw new Error('no body');
    const scale = thumbnail.width / object.box.width;
    const x = Math.floor((body.x - object.box.x + body.width / 2) * scale);
    const y = Math.floor((body.y - object.box.y + body.height / 2) * (thumbnail.height / object.box.height));
    const index = (y * decoded.width + x) * 4;
    const rgb = [...decoded.data.subarray(index, index + 3)];
    yuvToRgb(object.colour).forEach((channel, c) => {
      expect(Math.abs((rgb[c] ?? 0) - channel)).toBeLessThanOrEqual(24);
    });
  });

  it('sends the JPEG as DataSections the core reassembler turns back into the same bytes', () => {
    const { frame, object } = frameWithObject('Vehicle');
    const dataId = 'SDT_00000009-60fe-5e15-8002-000000001954_0001_0000abcd';
    const thumbnail = makeThumbnail(frame, 640, 360, object.box, {
      dataId,
      sectionBytes: 999,
      relatedSceneMarks: ['SMK_x_0001_00000001'],
    });
    expect(thumbnail.sha256).toBe(createHash('sha256').update(thumbnail.jpeg).digest('hex'));
    expect(thumbnail.sections.length).toBe(Math.ceil(thumbnail.jpeg.length / 999));
    expect(thumbnail.sections.length).toBeGreaterThan(1);
    for (const section of thumbnail.sections) {
      expect(parseDataSection(JSON.stringify(section))).toEqual(section);
      expect(section).toMatchObject({
        Version: '1.0',
        DataID: dataId,
        LastSection: thumbnail.sections.length,
        MediaFormat: 'JPEG',
        FileType: 'Image',
        FileName: `${dataId}.jpg`,
        HashMethod: 'SHA256',
        OriginalFileHash: thumbnail.sha256,
        RelatedSceneMarks: ['SMK_x_0001_00000001'],
      });
    }
    // Out of order, as JSON text, like sections arriving over the wire.
    const reassembler = new SceneDataReassembler();
    const order = thumbnail.sections.map((_, i) => i).reverse();
    let result;
    for (const i of order) result = reassembler.add(JSON.stringify(thumbnail.sections[i]));
    if (!result?.complete) throw new Error('not reassembled');
    expect(Buffer.from(result.file.bytes).equals(Buffer.from(thumbnail.jpeg))).toBe(true);
    expect(result.file.sha256).toBe(thumbnail.sha256);
    expect(result.file).toMatchObject({
      dataId,
      mediaFormat: 'JPEG',
      fileType: 'Image',
      sections: order.length,
    });
  });

  it('puts a small file in one section and a damaged one is refused', () => {
    const bytes = new Uint8Array([1, 2, 3, 4, 5]);
    const sections = sceneDataSections(bytes, {
      dataId: 'SDT_a_0001_00000002',
      mediaFormat: 'JPEG',
      fileType: 'Image',
      fileName: 'a.jpg',
    });
    expect(sections).toHaveLength(1);
    const reassembler = new SceneDataReassembler();
    const tampered = { ...sections[0], SectionBase64: Buffer.from([1, 2, 3, 4, 6]).toString('base64') };
    expect(() => reassembler.add(tampered)).toThrow(/SHA-256/);
    const result = reassembler.add(sections[0]);
    expect(result.complete && [...result.file.bytes]).toEqual([1, 2, 3, 4, 5]);
  });
});
