import { parseEndpointPublicJwk, type EndpointPublicJwk } from '../core/nice/endpointKeys';
import { eventTypes, type EventType, type NiceItemType } from '../core/nice/niceEnumerations';
import { sceneMarkDestinations, type SceneMarkDestination, type SceneMode } from '../core/nice/sceneMode';
import type { NodeDefinition } from './deviceNodes';
import type { SceneObjectFilter } from './scene/sceneMarkBuilder';
import type { SceneObject } from './scene/sceneModel';

/** A SceneMark destination and, when the SceneMode gives it, the key to encrypt to. */
export type PlannedDestination = SceneMarkDestination & { publicJwk?: EndpointPublicJwk };

/** What one node does under a SceneMode: when, which objects, which event, to whom. */
export interface AnalysisPlan {
  sceneModeId: string;
  /** Time between SceneMarks, ms: SceneMarkFrequency (default 1 s), at least SceneMarkWindow. */
  periodMs: number;
  eventType: EventType;
  filter: SceneObjectFilter;
  /** Objects outside the analysis region or outside the size limits are not reported. */
  keep: (object: SceneObject, frame: { width: number; height: number }) => boolean;
  destinations: PlannedDestination[];
}

const detectionTypes = new Set<NiceItemType>(['Human', 'Vehicle', 'Face', 'Animal']);

/**
 * Reads a validated SceneMode as the simulated detector applies it (digest §3.5):
 * - `Mode.SceneMode` Human/Vehicle/Face/Animal restricts the item types, others keep the node's;
 * - `SceneModeConfig[0]`: Filters (TriggerOnThese / IgnoreThese DetectedItems),
 *   AnalysisThreshold (minimum Probability), IgnoreObjectDetection (fraction of the frame),
 *   AnalysisRegion polygons (object centre inside; EventType RegionOfInterest), SceneMarkFrequency
 *   and SceneMarkWindow; an AnalysisParams entry `EventType` names the event explicitly;
 * - `SceneMarkOutputList`: the destinations, with the AppEndPoint JWK to encrypt to.
 */
export function analysisPlan(mode: SceneMode, node: NodeDefinition): AnalysisPlan {
  const config = mode.Mode?.SceneModeConfig[0];
  const detection = mode.Mode?.SceneMode;
  let itemTypes: NiceItemType[] = [...node.itemTypes];
  if (detection && detectionTypes.has(detection)) itemTypes = itemTypes.filter((type) => type === detection);
  const trigger = config?.Filters?.TriggerOnTheseDetectedItems;
  if (trigger) itemTypes = itemTypes.filter((type) => trigger.includes(type));
  const filter: SceneObjectFilter = {
    itemTypes,
    ...(config?.Filters?.IgnoreTheseDetectedItems
      ? { ignoreItemTypes: config.Filters.IgnoreTheseDetectedItems }
      : {}),
    ...(config?.AnalysisThreshold !== undefined ? { minProbability: config.AnalysisThreshold } : {}),
  };
  const polygons = regionPolygons(config?.AnalysisRegion);
  const larger = config?.IgnoreObjectDetection?.ObjectLargerThan;
  const smaller = config?.IgnoreObjectDetection?.ObjectSmallerThan;
  const keep = (object: SceneObject, frame: { width: number; height: number }): boolean => {
    const area = (object.box.width * object.box.height) / (frame.width * frame.height);
    if (larger !== undefined && area > larger) return false;
    if (smaller !== undefined && area < smaller) return false;
    if (polygons.length === 0) return true;
    const x = (object.box.x + object.box.width / 2) / frame.width;
    const y = (object.box.y + object.box.height / 2) / frame.height;
    return polygons.some((polygon) => insidePolygon(polygon, x, y));
  };
  const frequencySec = config?.SceneMarkFrequency ?? 1;
  const windowSec = config?.SceneMarkWindow ?? 0;
  const keys = new Map<string, EndpointPublicJwk>();
  for (const output of mode.Mode?.SceneMarkOutputList ?? []) {
    const jwk = output.AppEndPoint?.JWK;
    if (jwk === undefined) continue;
    try {
      keys.set(output.SceneMarkOutputEndPoint.EndPointID, parseEndpointPublicJwk(jwk, 'AppEndPoint.JWK'));
    } catch {
      // A key we cannot use: the destination is treated as having none.
    }
  }
  return {
    sceneModeId: mode.SceneModeID,
    periodMs: Math.max(100, Math.round(Math.max(frequencySec, windowSec) * 1000)),
    eventType:
      explicitEventType(config?.AnalysisParams) ??
      (polygons.length > 0 ? 'RegionOfInterest' : 'ItemPresence'),
    filter,
    keep,
    destinations: sceneMarkDestinations(mode).map((destination) => {
      const publicJwk = keys.get(destination.endPointId);
      return publicJwk ? { ...destination, publicJwk } : destination;
    }),
  };
}

type Point = { x: number; y: number };
type ModeConfig = NonNullable<SceneMode['Mode']>['SceneModeConfig'][number];

/**
 * Polygons of an AnalysisRegion, normalised 0..1. Coordinates above 1 are taken as pixels of a
 * 1920x1080 frame, as Scenera's deployed form gives them. Line regions do not restrict.
 */
function regionPolygons(region: ModeConfig['AnalysisRegion']): Point[][] {
  if (!region) return [];
  const lists = Array.isArray(region)
    ? [region]
    : region.ROIType === 'SinglePolygon' || region.ROIType === 'MultiPolygon'
      ? region.ROICoords.map((coords) => coords.Coords)
      : [];
  return lists
    .filter((coords) => coords.length >= 3)
    .map((coords) => {
      const pixels = coords.some((point) => point.XCoord > 1 || point.YCoord > 1);
      return coords.map((point) => ({
        x: pixels ? point.XCoord / 1920 : point.XCoord,
        y: pixels ? point.YCoord / 1080 : point.YCoord,
      }));
    });
}

function insidePolygon(polygon: Point[], x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i, i += 1) {
    const a = polygon[i] as Point;
    const b = polygon[j] as Point;
    if (a.y > y !== b.y > y && x < ((b.x - a.x) * (y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}

function explicitEventType(params: ModeConfig['AnalysisParams']): EventType | undefined {
  const value = params?.find((param) => param.ParamName === 'EventType')?.ParamValue;
  return eventTypes.find((type) => type === value);
}

/** The SceneMode a camera's node starts with: detection on, no destinations yet. */
export function defaultSceneMode(sceneModeId: string, node: NodeDefinition): Record<string, unknown> {
  return {
    Version: '1.0',
    SceneModeID: sceneModeId,
    NodeID: node.nodeId,
    Mode: {
      SceneMode: node.itemTypes.length === 1 ? node.itemTypes[0] : 'Label',
      SceneModeConfig: [
        {
          AnalysisStage: 'Detect',
          CustomAnalysisStage: node.description,
          SceneMarkFrequency: 1,
        },
      ],
      SceneMarkOutputList: [],
    },
  };
}
