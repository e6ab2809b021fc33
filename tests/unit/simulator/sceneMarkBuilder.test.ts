import { describe, expect, it } from 'vitest';
import { parseSceneMark } from '../../../src-main/core/nice/sceneMark';
import { readFrameCodeI420 } from '../../../src-main/simulator/scene/frameCode';
import { FrameRenderer } from '../../../src-main/simulator/scene/frameRenderer';
import {
  buildSceneMark,
  sceneDataIdFor,
  sceneMarkIdFor,
  selectSceneObjects,
  type SceneMarkInput,
} from '../../../src-main/simulator/scene/sceneMarkBuilder';
import { sceneAt, type SceneState } from '../../../src-main/simulator/scene/sceneModel';
import { changedExtent } from './pixels';

const deviceId = '00000009-60fe-5e15-8002-000000001954';
const wallClock = Date.UTC(2025, 5, 1, 12, 30, 15, 250);

function sceneWithBoth(seed: string): SceneState {
  for (let t = 0; t < 120_000; t += 500) {
    const state = sceneAt(seed, t);
    const types = new Set(state.objects.map((o) => o.itemType));
    if (state.objects.length >= 3 && types.size === 2) return state;
  }
  throw new Error('no scene with people and vehicles');
}

function input(state: SceneState, overrides: Partial<SceneMarkInput> = {}): SceneMarkInput {
  return { deviceId, frame: 1500, wallClockMs: wallClock, state, ...overrides };
}

describe('buildSceneMark', () => {
  it('builds a SceneMark that parseSceneMark accepts, with the profile identifiers', () => {
    const state = sceneWithBoth('mark');
    const built = buildSceneMark(input(state, { portId: '0004', destinationId: 'app-1' }));
    const parsed = parseSceneMark(built.json);
    expect(parsed.sceneMark.SceneMarkID).toBe(`SMK_${deviceId}_0001_000005dc`);
    expect(built.sceneMarkId).toBe(parsed.sceneMark.SceneMarkID);
    expect(parsed.sceneMark.Version).toBe('1.0');
    expect(parsed.sceneMark.TimeStamp).toBe('2025-06-01T12:30:15.250Z');
    expect(parsed.sceneMark.TimeStamp).toHaveLength(24);
    expect(parsed.sceneMark.NodeID).toBe(`${deviceId}_0001`);
    expect(parsed.sceneMark.SceneMarkStatus).toBe('Active');
    expect(parsed.sceneMark.VersionControl.VersionList).toEqual([
      { VersionNumber: 1, DateTimeStamp: '2025-06-01T12:30:15.250Z', NodeID: `${deviceId}_0001` },
    ]);
    expect(parsed.normalised).toMatchObject({
      deviceId,
      nodeId: '0001',
      portId: '0004',
      eventType: 'ItemPresence',
      time: wallClock,
    });
    const [analysis] = parsed.sceneMark.AnalysisList;
    expect(analysis?.ProcessingStatus).toBe('Detected');
    expect(analysis?.TotalItemCount).toBe(state.objects.length);
    // The JSON text and the object are the same SceneMark.
    expect(JSON.parse(built.json)).toEqual(built.sceneMark);
  });

  it('reports every drawn object with its type, probability, frame and exact normalised box', () => {
    const state = sceneWithBoth('boxes');
    const parsed = parseSceneMark(buildSceneMark(input(state)).json);
    const objects = parsed.sceneMark.AnalysisList[0]?.DetectedObjects ?? [];
    expect(objects).toHaveLength(state.objects.length);
    state.objects.forEach((object, index) => {
      const detected = objects[index];
      expect(detected?.NICEItemType).toBe(object.itemType);
      expect(detected?.ItemID).toBe(object.objectId);
      expect(detected?.Probability).toBe(object.probability);
      expect(detected?.Frame).toBe(1500);
      expect(detected?.BoundingBox).toEqual({
        XCoordinate: object.box.x / 640,
        YCoordinate: object.box.y / 360,
        Width: object.box.width / 640,
        Height: object.box.height / 360,
      });
    });
    expect(parsed.normalised.itemTypes.sort()).toEqual(['Human', 'Vehicle']);
    expect(parsed.normalised.highestProbability).toBe(Math.max(...state.objects.map((o) => o.probability)));
  });

  it('names boxes that match the pixels the renderer drew in the frame the SceneMark names', () => {
    const renderer = new FrameRenderer({ cameraName: 'Truth' });
    const state = sceneWithBoth('truth');
    const frame = renderer.render(state, 1500, wallClock);
    expect(readFrameCodeI420(frame, 640, 360)).toEqual({ frame: 1500, wallClockMs: wallClock });
    const empty = Uint8ClampedArray.from(renderer.render({ ...state, objects: [] }, 1500, wallClock));
    const parsed = parseSceneMark(buildSceneMark(input(state)).json);
    for (const [index, object] of parsed.normalised.objects.entries()) {
      const drawn = state.objects[index];
      if (!drawn || !object.box) throw new Error('missing object');
      const alone = renderer.render({ ...state, objects: [drawn] }, 1500, wallClock);
      const extent = changedExtent(alone, empty, 640, 360);
      expect(extent).toEqual({
        x: Math.round(object.box.XCoordinate * 640),
        y: Math.round(object.box.YCoordinate * 360),
        width: Math.round(object.box.Width * 640),
        height: Math.round(object.box.Height * 360),
      });
    }
  });

  it('applies item-type and probability filters', () => {
    const state = sceneWithBoth('filters');
    const humans = buildSceneMark(input(state, { filter: { itemTypes: ['Human'] } }));
    expect(humans.objects.length).toBeGreaterThan(0);
    expect(humans.objects.every((o) => o.itemType === 'Human')).toBe(true);
    expect(parseSceneMark(humans.json).normalised.itemTypes).toEqual(['Human']);
    const noVehicles = buildSceneMark(input(state, { filter: { ignoreItemTypes: ['Vehicle'] } }));
    expect(noVehicles.objects).toEqual(humans.objects);
    const threshold = [...state.objects.map((o) => o.probability)].sort()[1] ?? 0;
    const confident = selectSceneObjects(state.objects, { minProbability: threshold });
    expect(confident.length).toBeLessThan(state.objects.length);
    expect(confident.every((o) => o.probability >= threshold)).toBe(true);
    const none = buildSceneMark(input(state, { filter: { itemTypes: ['Animal'] } }));
    expect(none.objects).toEqual([]);
    const parsed = parseSceneMark(none.json);
    expect(parsed.sceneMark.AnalysisList[0]?.ProcessingStatus).toBe('Undetected');
    expect(parsed.sceneMark.AnalysisList[0]?.DetectedObjects).toEqual([]);
  });

  it('links thumbnails of reported objects through SceneDataList, ThumbnailList and RelatedSceneData', () => {
    const state = sceneWithBoth('thumbs');
    const human = state.objects.find((o) => o.itemType === 'Human');
    const vehicle = state.objects.find((o) => o.itemType === 'Vehicle');
    if (!human || !vehicle) throw new Error('scene lacks an object type');
    const humanData = sceneDataIdFor(deviceId, '0001', 3000);
    const vehicleData = sceneDataIdFor(deviceId, '0001', 3001);
    const built = buildSceneMark(
      input(state, {
        filter: { itemTypes: ['Human'] },
        thumbnails: [
          { objectId: human.objectId, sceneDataId: humanData, width: 40, height: 120 },
          { objectId: vehicle.objectId, sceneDataId: vehicleData, width: 160, height: 70 },
        ],
      }),
    );
    const parsed = parseSceneMark(built.json);
    expect(humanData).toBe(`SDT_${deviceId}_0001_00000bb8`);
    expect(parsed.normalised.sceneDataIds).toEqual([humanData]);
    expect(parsed.sceneMark.ThumbnailList).toEqual([{ VersionNumber: 1, SceneDataID: humanData }]);
    expect(parsed.sceneMark.SceneDataList?.[0]).toMatchObject({
      SceneDataID: humanData,
      DataType: 'Thumbnail',
      MediaFormat: 'JPEG',
      Resolution: { Width: 40, Height: 120 },
      SourceNodeID: `${deviceId}_0001`,
      Encryption: { EncryptionOn: false },
    });
    const detected = parsed.sceneMark.AnalysisList[0]?.DetectedObjects.find(
      (o) => o.ItemID === human.objectId,
    );
    expect(detected?.RelatedSceneData).toEqual([humanData]);
    expect(detected?.ThumbnailSceneDataID).toBe(humanData);
  });

  it('formats identifiers and refuses bad instances', () => {
    expect(sceneMarkIdFor(deviceId, '0002', 0x1_0000_0000)).toBe(`SMK_${deviceId}_0002_100000000`);
    expect(buildSceneMark(input(sceneAt('id', 0), { instance: 42 })).sceneMarkId).toBe(
      `SMK_${deviceId}_0001_0000002a`,
    );
    expect(() => sceneMarkIdFor(deviceId, '0001', -1)).toThrow(RangeError);
    expect(() => sceneDataIdFor(deviceId, '0001', 1.5)).toThrow(RangeError);
  });
});
