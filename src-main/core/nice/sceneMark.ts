import {
  dataTypes,
  eventTypeAliases,
  eventTypes,
  mediaFormatAliases,
  mediaFormats,
  niceItemTypes,
  processingStatusAliases,
  processingStatuses,
  sceneDataStatuses,
  sceneMarkStatuses,
  type EventType,
  type NiceItemType,
  type SceneMarkStatus,
} from './niceEnumerations';
import { NiceProtocolError } from './niceProtocolError';
import { canonicalDateTime, parseLenientDateTime } from './niceTime';
import {
  asList,
  canonicalEnum,
  canonicalMembers,
  canonicalNodeOrPort,
  canonicalVersion,
  isJsonObject,
  mapMembers,
  numericValue,
  parseJsonInput,
  parseWith,
  rootField,
} from './niceValidation';
import {
  analysisMembers,
  attributeMembers,
  boxAliases,
  boxMembers,
  encryptionMembers,
  linkMembers,
  objectMembers,
  resolutionMembers,
  sceneDataMembers,
  topMembers,
  versionControlMembers,
  versionMembers,
} from './sceneMarkMembers';
import { fastSceneMark } from './sceneMarkFastPath';
import { SceneMark, type BoundingBox } from './sceneMarkSchema';

export { SceneMark } from './sceneMarkSchema';

const utf8 = new TextEncoder();

/** Largest SceneMark accepted by default, in bytes. */
export const defaultSceneMarkMaxBytes = 1024 * 1024;

/** A detected object as indexed: item type, probability and normalised box. */
export interface NormalisedDetectedObject {
  itemType: NiceItemType;
  customItemType: string | null;
  itemId: string | null;
  probability: number | null;
  /** Normalised 0..1 from the top-left corner; null when the SceneMark has no box. */
  box: BoundingBox | null;
  /** Index in AnalysisList of the Analysis that reported it. */
  analysisIndex: number;
}

/**
 * The indexable columns of a SceneMark, the same whatever variant arrived (digest §6.9): what
 * the store keeps next to the verbatim bytes.
 */
export interface NormalisedSceneMark {
  sceneMarkId: string;
  /** TimeStamp as milliseconds since the epoch. */
  time: number;
  /** The DeviceID part of a `{DeviceID}_{NodeID}` NodeID, or null when the NodeID has none. */
  deviceId: string | null;
  /** The 4-hex NodeID part of the NodeID (or the whole NodeID when it is not composite). */
  nodeId: string;
  portId: string | null;
  /** EventType of the first Analysis that names one (CustomEventType when it is `Custom`). */
  eventType: EventType | null;
  customEventType: string | null;
  status: SceneMarkStatus;
  /** Distinct NICEItemTypes of all detected objects, in order of first appearance. */
  itemTypes: NiceItemType[];
  /** Highest Probability of any detected object, or null when none carries one. */
  highestProbability: number | null;
  version: string;
  objects: NormalisedDetectedObject[];
  sceneDataIds: string[];
}

/** What parseSceneMark returns: the exact bytes, the validated object and its index columns. */
export interface ParsedSceneMark {
  /** The bytes exactly as received (a string input is UTF-8 encoded once). */
  original: Uint8Array;
  /** The validated SceneMark, variants mapped onto the canonical spelling. */
  sceneMark: SceneMark;
  normalised: NormalisedSceneMark;
}

/** Options of parseSceneMark. */
export interface ParseSceneMarkOptions {
  /** Largest input in bytes (default 1 MiB). */
  maxBytes?: number;
  /**
   * Frame size used to convert pixel bounding boxes when the SceneMark itself gives no
   * Resolution (digest §3.2: boxes with any value above 1 are pixels).
   */
  frameSize?: { width: number; height: number };
}

/**
 * Parses and validates a SceneMark (digest §3.2) received as bytes or text. Variants (digest
 * §6.9) are mapped onto one spelling before validation; the original bytes are returned
 * unchanged. Throws NiceProtocolError('MALFORMED') whose `field` names the offending member.
 */
export function parseSceneMark(
  input: Uint8Array | string,
  options: ParseSceneMarkOptions = {},
): ParsedSceneMark {
  const original = typeof input === 'string' ? utf8.encode(input) : input;
  const json = parseJsonInput(original, options.maxBytes ?? defaultSceneMarkMaxBytes, 'SceneMark');
  const sceneMark = validateSceneMark(json, options);
  return { original, sceneMark, normalised: normaliseSceneMark(sceneMark) };
}

/**
 * Validates an already parsed SceneMark value (for example the decrypted Body of a CMF
 * message); variants are mapped as in parseSceneMark.
 */
export function validateSceneMark(
  value: unknown,
  options: Pick<ParseSceneMarkOptions, 'frameSize'> = {},
): SceneMark {
  return fastSceneMark(value) ?? validateSceneMarkExactly(value, options);
}

/**
 * validateSceneMark without its fast path: variant mapping, then the zod schema. The fast path
 * gives up on anything it does not take whole, so this alone words rejections; exported for the
 * test that holds the two paths equal.
 */
export function validateSceneMarkExactly(
  value: unknown,
  options: Pick<ParseSceneMarkOptions, 'frameSize'> = {},
): SceneMark {
  if (!isJsonObject(value))
    throw new NiceProtocolError('MALFORMED', 'a SceneMark must be a JSON object', rootField);
  return parseWith(SceneMark, canonicalSceneMark(value, options.frameSize), 'SceneMark');
}

// ---------------------------------------------------------------------------------------------
// Variant mapping (digest §6.9): member spellings, enum spellings, numbers as text, nesting.

/** Applies `map` to each object of a list, leaving other items for validation to name. */
function mapObjects(value: unknown, map: (item: Record<string, unknown>) => unknown): unknown {
  const list = asList(value);
  return Array.isArray(list) ? list.map((item) => (isJsonObject(item) ? map(item) : item)) : list;
}

/** A string where a list of strings is expected becomes a one-element list. */
function asStringList(value: unknown): unknown {
  return typeof value === 'string' ? [value] : value;
}

function canonicalResolution(value: unknown): unknown {
  if (!isJsonObject(value)) return value;
  return mapMembers(canonicalMembers(value, resolutionMembers), resolutionMembers, numericValue);
}

function canonicalSceneDataItem(item: Record<string, unknown>): Record<string, unknown> {
  const value = canonicalMembers(item, sceneDataMembers);
  return Object.fromEntries(
    Object.entries(value).map(([key, member]) => {
      switch (key) {
        case 'VersionNumber':
        case 'Duration':
          return [key, numericValue(member)];
        case 'TimeStamp':
          return [key, canonicalDateTime(member)];
        case 'DataType':
          return [key, canonicalEnum(member, dataTypes)];
        case 'Status':
          return [key, canonicalEnum(member, sceneDataStatuses)];
        case 'MediaFormat':
          return [key, canonicalEnum(member, mediaFormats, mediaFormatAliases)];
        case 'Resolution':
          return [key, canonicalResolution(member)];
        case 'Encryption':
          return [key, isJsonObject(member) ? canonicalMembers(member, encryptionMembers) : member];
        default:
          return [key, member];
      }
    }),
  );
}

/** Frame size to convert pixel boxes: the related SceneData's Resolution, else the only one. */
interface FrameSizes {
  byId: Map<string, { width: number; height: number }>;
  fallback: { width: number; height: number } | undefined;
}

function frameSizes(sceneDataList: unknown, given: ParseSceneMarkOptions['frameSize']): FrameSizes {
  const byId = new Map<string, { width: number; height: number }>();
  const distinct = new Map<string, { width: number; height: number }>();
  if (Array.isArray(sceneDataList)) {
    for (const item of sceneDataList) {
      if (!isJsonObject(item) || !isJsonObject(item.Resolution)) continue;
      const { Width: width, Height: height } = item.Resolution;
      if (typeof width !== 'number' || typeof height !== 'number' || !(width > 0) || !(height > 0)) continue;
      const size = { width, height };
      if (typeof item.SceneDataID === 'string') byId.set(item.SceneDataID, size);
      distinct.set(`${width}x${height}`, size);
    }
  }
  const only = distinct.size === 1 ? [...distinct.values()][0] : undefined;
  return { byId, fallback: only ?? given };
}

/**
 * Pixel boxes (any value above 1) become normalised ones when a frame size is known (digest
 * §3.2 PROPOSED); without one they are left for validation to refuse with a clear reason.
 */
function canonicalBox(value: unknown, size: { width: number; height: number } | undefined): unknown {
  if (!isJsonObject(value)) return value;
  const box = mapMembers(canonicalMembers(value, boxMembers, boxAliases), boxMembers, numericValue);
  const numbers = boxMembers.map((name) => box[name]);
  if (!size || !numbers.every((n) => typeof n === 'number') || !numbers.some((n) => (n as number) > 1))
    return box;
  const [x, y, width, height] = numbers as [number, number, number, number];
  return {
    ...box,
    XCoordinate: x / size.width,
    YCoordinate: y / size.height,
    Width: width / size.width,
    Height: height / size.height,
  };
}

function canonicalDetectedObject(item: Record<string, unknown>, sizes: FrameSizes): Record<string, unknown> {
  const value = canonicalMembers(item, objectMembers);
  const related = relatedSceneData(value.RelatedSceneData, value.RelatedSceneDataList);
  const firstRelated = Array.isArray(related) ? related.find((id) => typeof id === 'string') : undefined;
  const size =
    (typeof firstRelated === 'string' ? sizes.byId.get(firstRelated) : undefined) ?? sizes.fallback;
  const entries = Object.entries(value)
    .filter(([key]) => key !== 'RelatedSceneDataList' || related === undefined)
    .map(([key, member]): [string, unknown] => {
      switch (key) {
        case 'NICEItemType':
          return [key, canonicalEnum(member, niceItemTypes)];
        case 'ItemTypeCount':
        case 'Probability':
        case 'Frame':
        case 'VersionNumber':
          return [key, numericValue(member)];
        case 'ItemID':
          return [key, typeof member === 'number' ? String(member) : member];
        case 'TimeStamp':
          return [key, canonicalDateTime(member)];
        case 'BoundingBox':
          return [key, canonicalBox(member, size)];
        case 'RelatedSceneData':
          return [key, related];
        case 'Attributes':
          return [
            key,
            mapObjects(member, (attribute) =>
              mapMembers(
                canonicalMembers(attribute, attributeMembers),
                ['VersionNumber', 'ProbabilityOfAttribute'],
                numericValue,
              ),
            ),
          ];
        default:
          return [key, member];
      }
    });
  if (related !== undefined && !('RelatedSceneData' in value)) entries.push(['RelatedSceneData', related]);
  return Object.fromEntries(entries);
}

/**
 * RelatedSceneData arrives as a string, a list of strings, or (typings) as
 * `RelatedSceneDataList[{VersionNumber, SceneDataID}]`; all become a list of SceneDataIDs.
 */
function relatedSceneData(single: unknown, list: unknown): unknown {
  if (single !== undefined) return asStringList(single);
  if (Array.isArray(list)) {
    return list.map((item) => (isJsonObject(item) && 'SceneDataID' in item ? item.SceneDataID : item));
  }
  return undefined;
}

function canonicalAnalysis(item: Record<string, unknown>, sizes: FrameSizes): Record<string, unknown> {
  const value = canonicalMembers(item, analysisMembers);
  const entries = Object.entries(value).map(([key, member]): [string, unknown] => {
    switch (key) {
      case 'VersionNumber':
      case 'TotalItemCount':
        return [key, numericValue(member)];
      case 'EventType':
        return [key, canonicalEnum(member, eventTypes, eventTypeAliases)];
      case 'ProcessingStatus':
        return [key, canonicalEnum(member, processingStatuses, processingStatusAliases)];
      case 'DetectedObjects':
        return [
          key,
          member === null ? [] : mapObjects(member, (object) => canonicalDetectedObject(object, sizes)),
        ];
      default:
        return [key, member];
    }
  });
  // Missing optional container: an Analysis without DetectedObjects has none.
  if (!('DetectedObjects' in value)) entries.push(['DetectedObjects', []]);
  return Object.fromEntries(entries);
}

function canonicalVersionControl(value: unknown): unknown {
  // Nesting variant: the VersionList given directly instead of inside VersionControl.
  const control = Array.isArray(value) ? { VersionList: value } : value;
  if (!isJsonObject(control)) return control;
  const members = canonicalMembers(control, versionControlMembers);
  return {
    ...members,
    VersionList: mapObjects(members.VersionList, (entry) => {
      const version = canonicalMembers(entry, versionMembers);
      return {
        ...version,
        ...('VersionNumber' in version ? { VersionNumber: numericValue(version.VersionNumber) } : {}),
        ...('DateTimeStamp' in version ? { DateTimeStamp: canonicalDateTime(version.DateTimeStamp) } : {}),
      };
    }),
  };
}

function canonicalSceneMark(
  input: Record<string, unknown>,
  frameSize: ParseSceneMarkOptions['frameSize'],
): Record<string, unknown> {
  const value = canonicalMembers(input, topMembers);
  const sceneDataList =
    value.SceneDataList === null ? [] : mapObjects(value.SceneDataList, canonicalSceneDataItem);
  const sizes = frameSizes(sceneDataList, frameSize);
  const links = (list: unknown): unknown =>
    mapObjects(list, (link) =>
      mapMembers(canonicalMembers(link, linkMembers), ['VersionNumber'], numericValue),
    );
  return Object.fromEntries(
    Object.entries(value).map(([key, member]) => {
      switch (key) {
        case 'Version':
          return [key, canonicalVersion(member)];
        case 'TimeStamp':
          return [key, canonicalDateTime(member)];
        case 'DestinationID':
          return [key, asStringList(member)];
        case 'SceneMarkStatus':
          return [key, canonicalEnum(member, sceneMarkStatuses)];
        case 'PortID':
          return [key, canonicalNodeOrPort(member)];
        case 'VersionControl':
          return [key, canonicalVersionControl(member)];
        case 'AnalysisList':
          return [key, mapObjects(member, (analysis) => canonicalAnalysis(analysis, sizes))];
        case 'SceneDataList':
          return [key, sceneDataList];
        case 'ThumbnailList':
        case 'ParentSceneMarks':
        case 'ChildSceneMarks':
          return [key, member === null ? [] : links(member)];
        default:
          return [key, member];
      }
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Index columns.

const compositeNodeId = /^(.+)_([0-9a-fA-F]{4})$/;
const endPointIdShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Splits a SceneMark NodeID `{DeviceID}_{NodeID}` (NICE profile) into its two parts. */
export function splitSceneMarkNodeId(nodeId: string): { deviceId: string | null; nodeId: string } {
  const match = compositeNodeId.exec(nodeId);
  if (match?.[1] && match[2]) {
    const device = match[1];
    return {
      deviceId: endPointIdShape.test(device) ? device.toLowerCase() : device,
      nodeId: match[2].toLowerCase(),
    };
  }
  if (/^[0-9a-fA-F]{4}$/.test(nodeId)) return { deviceId: null, nodeId: nodeId.toLowerCase() };
  if (endPointIdShape.test(nodeId)) return { deviceId: nodeId.toLowerCase(), nodeId: '0000' };
  return { deviceId: null, nodeId };
}

/** Computes the index columns of a validated SceneMark. */
export function normaliseSceneMark(sceneMark: SceneMark): NormalisedSceneMark {
  // Plain loops: this runs once per ingested SceneMark.
  const objects: NormalisedDetectedObject[] = [];
  const itemTypes: NiceItemType[] = [];
  let highestProbability: number | null = null;
  let withEvent: SceneMark['AnalysisList'][number] | undefined;
  const analyses = sceneMark.AnalysisList;
  for (let analysisIndex = 0; analysisIndex < analyses.length; analysisIndex++) {
    const analysis = analyses[analysisIndex] as SceneMark['AnalysisList'][number];
    if (withEvent === undefined && analysis.EventType !== undefined) withEvent = analysis;
    for (const object of analysis.DetectedObjects) {
      const box = object.BoundingBox;
      const probability = object.Probability ?? null;
      objects.push({
        itemType: object.NICEItemType,
        customItemType: object.CustomItemType || null,
        itemId: object.ItemID || null,
        probability,
        box: box
          ? {
              XCoordinate: box.XCoordinate,
              YCoordinate: box.YCoordinate,
              Width: box.Width,
              Height: box.Height,
            }
          : null,
        analysisIndex,
      });
      if (!itemTypes.includes(object.NICEItemType)) itemTypes.push(object.NICEItemType);
      // Math.max pairwise equals Math.max over all (signed zeros included).
      if (probability !== null)
        highestProbability =
          highestProbability === null ? probability : Math.max(highestProbability, probability);
    }
  }
  const { deviceId, nodeId } = splitSceneMarkNodeId(sceneMark.NodeID);
  const sceneDataIds: string[] = [];
  for (const item of sceneMark.SceneDataList ?? []) sceneDataIds.push(item.SceneDataID);
  return {
    sceneMarkId: sceneMark.SceneMarkID,
    time: parseLenientDateTime(sceneMark.TimeStamp) ?? 0,
    deviceId,
    nodeId,
    portId: sceneMark.PortID ?? null,
    eventType: withEvent?.EventType ?? null,
    customEventType: withEvent?.CustomEventType || null,
    status: sceneMark.SceneMarkStatus,
    itemTypes,
    highestProbability,
    version: sceneMark.Version,
    objects,
    sceneDataIds,
  };
}
