import { formatDateTimeStamp } from '../../core/nice/dateTimeStamp';
import type { EventType, NiceItemType, SceneMarkStatus } from '../../core/nice/niceEnumerations';
import type { DetectedObject, SceneDataItem, SceneMark } from '../../core/nice/sceneMarkSchema';
import type { SceneObject, SceneState } from './sceneModel';

/*
 * SceneMarks (digest §3.2, NICE profile "SceneMarks") describing exactly what a rendered frame
 * shows: one Analysis whose DetectedObjects are the scene's objects, boxes normalised 0..1 from
 * the top-left corner (box / frame size, unrounded), `Frame` = the frame number drawn in the
 * video, and SceneDataList entries for the thumbnails the caller made (thumbnail.ts).
 */

/** Which objects a SceneMark reports (a SceneModeConfig's Filters and AnalysisThreshold). */
export interface SceneObjectFilter {
  /** Report only these item types (TriggerOnTheseDetectedItems); all when absent. */
  itemTypes?: Iterable<NiceItemType>;
  /** Never report these (IgnoreTheseDetectedItems). */
  ignoreItemTypes?: Iterable<NiceItemType>;
  /** Report only objects with at least this Probability. */
  minProbability?: number;
}

/** A thumbnail SceneData the caller produced for one object (see thumbnail.ts). */
export interface ThumbnailReference {
  objectId: string;
  sceneDataId: string;
  /** Size of the JPEG in pixels. */
  width: number;
  height: number;
}

/** Everything a SceneMark is built from. */
export interface SceneMarkInput {
  /** EndPointID of the camera. */
  deviceId: string;
  /** 4-hex NodeID (default `0001`). */
  nodeId?: string;
  /** 4-hex PortID of the SceneMark output, when known. */
  portId?: string;
  /** The frame number drawn in the video (frameCode.ts); the SceneMark's objects are in it. */
  frame: number;
  /** Wall-clock ms of the frame: the SceneMark's TimeStamp. */
  wallClockMs: number;
  /** The scene state the frame was rendered from. */
  state: SceneState;
  /**
   * Per-node counter in SceneMarkID (default: `frame`). Pass one that survives restarts (e.g.
   * seeded from the start time) when IDs must stay unique across simulator runs.
   */
  instance?: number;
  filter?: SceneObjectFilter;
  /** Default `ItemPresence`. */
  eventType?: EventType;
  /** Default `Active`. */
  status?: SceneMarkStatus;
  /** DestinationID member (the app or data service that asked), when known. */
  destinationId?: string;
  analysisId?: string;
  analysisDescription?: string;
  /** Thumbnails of reported objects; the first becomes the SceneMark's ThumbnailList entry. */
  thumbnails?: readonly ThumbnailReference[];
  /** Marks the thumbnails' SceneData as encrypted (SceneEncryptionKeyID), default plain. */
  sceneEncryptionKeyId?: string;
}

/** A built SceneMark. */
export interface BuiltSceneMark {
  sceneMark: SceneMark;
  /** `JSON.stringify(sceneMark)`: the bytes to send. */
  json: string;
  sceneMarkId: string;
  /** The reported objects, in DetectedObjects order (empty when the filter kept none). */
  objects: SceneObject[];
}

/** Default AnalysisID and description of the simulated detector. */
export const SIMULATED_ANALYSIS_ID = 'nice-console-simulator-detect-1';
export const SIMULATED_ANALYSIS_DESCRIPTION = 'NICE Console simulated detector (ground truth)';

function instanceHex(instance: number): string {
  if (!Number.isSafeInteger(instance) || instance < 0) {
    throw new RangeError(`instance must be a non-negative safe integer, got ${instance}`);
  }
  return instance.toString(16).padStart(8, '0');
}

/** `{DeviceID}_{NodeID}`, the SceneMark NodeID (NICE profile). */
export function sceneMarkNodeId(deviceId: string, nodeId = '0001'): string {
  return `${deviceId}_${nodeId}`;
}

/** `SMK_{DeviceID}_{NodeID}_{instance hex, ≥ 8 digits}` (digest §3.6, §6.8). */
export function sceneMarkIdFor(deviceId: string, nodeId: string, instance: number): string {
  return `SMK_${sceneMarkNodeId(deviceId, nodeId)}_${instanceHex(instance)}`;
}

/** `SDT_{DeviceID}_{NodeID}_{instance hex, ≥ 8 digits}` (digest §3.6, §6.8). */
export function sceneDataIdFor(deviceId: string, nodeId: string, instance: number): string {
  return `SDT_${sceneMarkNodeId(deviceId, nodeId)}_${instanceHex(instance)}`;
}

/** The objects a filter keeps, in their order. */
export function selectSceneObjects(
  objects: readonly SceneObject[],
  filter: SceneObjectFilter = {},
): SceneObject[] {
  const only = filter.itemTypes === undefined ? null : new Set(filter.itemTypes);
  const ignored = new Set(filter.ignoreItemTypes ?? []);
  const minimum = filter.minProbability ?? 0;
  return objects.filter(
    (object) =>
      (only === null || only.has(object.itemType)) &&
      !ignored.has(object.itemType) &&
      object.probability >= minimum,
  );
}

/**
 * Builds the SceneMark of one rendered frame. The result parses with core `parseSceneMark`
 * without error; its BoundingBoxes equal each object's pixel box divided by the frame size.
 * Thumbnails of objects the filter dropped are left out.
 */
export function buildSceneMark(input: SceneMarkInput): BuiltSceneMark {
  const nodeId = input.nodeId ?? '0001';
  const { state } = input;
  const node = sceneMarkNodeId(input.deviceId, nodeId);
  const stamp = formatDateTimeStamp(new Date(input.wallClockMs));
  const sceneMarkId = sceneMarkIdFor(input.deviceId, nodeId, input.instance ?? input.frame);
  const objects = selectSceneObjects(state.objects, input.filter);
  const kept = new Set(objects.map((object) => object.objectId));
  const thumbnails = (input.thumbnails ?? []).filter((thumbnail) => kept.has(thumbnail.objectId));
  const thumbnailOf = new Map(thumbnails.map((thumbnail) => [thumbnail.objectId, thumbnail.sceneDataId]));

  const detected = objects.map((object): DetectedObject => {
    const thumbnail = thumbnailOf.get(object.objectId);
    return {
      NICEItemType: object.itemType,
      ItemID: object.objectId,
      ItemTypeCount: 1,
      Probability: object.probability,
      Frame: input.frame,
      TimeStamp: stamp,
      BoundingBox: {
        XCoordinate: object.box.x / state.width,
        YCoordinate: object.box.y / state.height,
        Width: object.box.width / state.width,
        Height: object.box.height / state.height,
      },
      ...(thumbnail === undefined ? {} : { RelatedSceneData: [thumbnail], ThumbnailSceneDataID: thumbnail }),
    };
  });

  const sceneDataList = thumbnails.map((thumbnail): SceneDataItem => ({
    VersionNumber: 1.0,
    SceneDataID: thumbnail.sceneDataId,
    TimeStamp: stamp,
    SourceNodeID: node,
    DataType: 'Thumbnail',
    Status: 'Upload in Progress',
    MediaFormat: 'JPEG',
    Resolution: { Width: thumbnail.width, Height: thumbnail.height },
    Encryption:
      input.sceneEncryptionKeyId === undefined
        ? { EncryptionOn: false }
        : { EncryptionOn: true, SceneEncryptionKeyID: input.sceneEncryptionKeyId },
  }));

  const first = thumbnails[0];
  const sceneMark: SceneMark = {
    Version: '1.0',
    TimeStamp: stamp,
    SceneMarkID: sceneMarkId,
    ...(input.destinationId === undefined ? {} : { DestinationID: [input.destinationId] }),
    SceneMarkStatus: input.status ?? 'Active',
    NodeID: node,
    ...(input.portId === undefined ? {} : { PortID: input.portId }),
    VersionControl: { VersionList: [{ VersionNumber: 1.0, DateTimeStamp: stamp, NodeID: node }] },
    ...(first === undefined
      ? {}
      : { ThumbnailList: [{ VersionNumber: 1.0, SceneDataID: first.sceneDataId }] }),
    AnalysisList: [
      {
        VersionNumber: 1.0,
        AnalysisID: input.analysisId ?? SIMULATED_ANALYSIS_ID,
        AnalysisDescription: input.analysisDescription ?? SIMULATED_ANALYSIS_DESCRIPTION,
        EventType: input.eventType ?? 'ItemPresence',
        ProcessingStatus: detected.length > 0 ? 'Detected' : 'Undetected',
        TotalItemCount: detected.length,
        DetectedObjects: detected,
      },
    ],
    ...(sceneDataList.length === 0 ? {} : { SceneDataList: sceneDataList }),
  };
  return { sceneMark, json: JSON.stringify(sceneMark), sceneMarkId, objects };
}
