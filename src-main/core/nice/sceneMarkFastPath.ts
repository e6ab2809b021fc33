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
} from './niceEnumerations';
import { canonicalDateTime, parseCanonicalDateTime, parseLenientDateTime } from './niceTime';
import {
  canonicalEnum,
  canonicalNodeOrPort,
  canonicalVersion,
  isJsonObject,
  numericValue,
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
import type { SceneMark } from './sceneMarkSchema';

/*
 * Fast path of SceneMark validation. Variant mapping (sceneMark.ts) followed by zod costs about
 * a hundred microseconds per SceneMark, too slow for the ingest rate; nearly every SceneMark
 * already arrives in canonical spelling. This walk accepts such a SceneMark in one pass, applying
 * the same per-value mappings (numbers as text, enum spellings, date-time forms) and the same
 * checks as the zod schema, and builds the object zod would build: members in schema order,
 * then vendor members, all containers fresh. Anything structural (a member to rename, a single
 * object where a list belongs, pixel boxes, …) or invalid gives up, so the exact path decides,
 * and only the exact path words rejections. The equivalence test in
 * tests/unit/core/nice/sceneMarkFastPath.test.ts holds the two paths together.
 *
 * Written out member by member rather than driven by a table: each property read then has its
 * own inline cache, which makes the walk several times faster.
 */

/** Returned by a check that leaves the value to the exact path. */
const giveUp: unique symbol = Symbol('giveUp');

// ---------------------------------------------------------------------------------------------
// Member checks: the mapping sceneMark.ts applies to the value, then the schema's check.

function text(value: unknown): unknown {
  return typeof value === 'string' && value.length <= 65_536 ? value : giveUp;
}
function identifier(value: unknown): unknown {
  return typeof value === 'string' && value.length >= 1 && value.length <= 256 ? value : giveUp;
}
function anyString(value: unknown): unknown {
  return typeof value === 'string' ? value : giveUp;
}
function textOrNull(value: unknown): unknown {
  return value === null ? null : text(value);
}

/** A finite number, or a number as text (numericValue); NaN when neither. */
function asNumber(value: unknown): number {
  const number = typeof value === 'number' ? value : numericValue(value);
  return typeof number === 'number' && Number.isFinite(number) ? number : Number.NaN;
}
function versionNumber(value: unknown): unknown {
  const number = asNumber(value);
  return number >= 0 ? number : giveUp;
}
function count(value: unknown): unknown {
  const number = asNumber(value);
  return number >= 0 && Number.isSafeInteger(number) ? number : giveUp;
}
function probability(value: unknown): unknown {
  const number = asNumber(value);
  return number >= 0 && number <= 1 ? number : giveUp;
}
function positiveInteger(value: unknown): unknown {
  const number = asNumber(value);
  return number > 0 && Number.isSafeInteger(number) ? number : giveUp;
}

/** An enumeration: the canonical spelling, else what canonicalEnum maps it to. */
function enumeration(
  value: unknown,
  set: ReadonlySet<unknown>,
  values: readonly string[],
  aliases?: Readonly<Record<string, string>>,
): unknown {
  if (set.has(value)) return value;
  const mapped = canonicalEnum(value, values, aliases);
  return set.has(mapped) ? mapped : giveUp;
}
const sceneMarkStatusSet: ReadonlySet<unknown> = new Set(sceneMarkStatuses);
const eventTypeSet: ReadonlySet<unknown> = new Set(eventTypes);
const processingStatusSet: ReadonlySet<unknown> = new Set(processingStatuses);
const niceItemTypeSet: ReadonlySet<unknown> = new Set(niceItemTypes);
const dataTypeSet: ReadonlySet<unknown> = new Set(dataTypes);
const sceneDataStatusSet: ReadonlySet<unknown> = new Set(sceneDataStatuses);
const mediaFormatSet: ReadonlySet<unknown> = new Set(mediaFormats);

function dateTime(value: unknown): unknown {
  if (typeof value !== 'string') return giveUp;
  // Canonical text is its own canonical form.
  if (typeof parseCanonicalDateTime(value) === 'number') return value;
  const mapped = canonicalDateTime(value);
  return typeof mapped === 'string' && parseLenientDateTime(mapped) !== null ? mapped : giveUp;
}

const versionPattern = /^1\.\d+$/;
function sceneMarkVersion(value: unknown): unknown {
  const mapped = canonicalVersion(value);
  return typeof mapped === 'string' && versionPattern.test(mapped) ? mapped : giveUp;
}
const portIdPattern = /^[0-9a-f]{4}$/;
function portId(value: unknown): unknown {
  const mapped = canonicalNodeOrPort(value);
  return typeof mapped === 'string' && portIdPattern.test(mapped) ? mapped : giveUp;
}

/** A fresh list of the checked items; at least `min` of them. */
function listOf(value: unknown, item: (value: unknown) => unknown, min = 0): unknown {
  if (!Array.isArray(value) || value.length < min) return giveUp;
  const out: unknown[] = [];
  for (let index = 0; index < value.length; index++) {
    const checked = item(value[index]);
    if (checked === giveUp) return giveUp;
    out.push(checked);
  }
  return out;
}
/** Variant mapping: a single string stands for a list of one. */
function identifiers(value: unknown): unknown {
  return listOf(typeof value === 'string' ? [value] : value, identifier);
}
/** SceneModeConfig: a fresh list of the same items (holes read as undefined, as zod reads them). */
function unknownList(value: unknown): unknown {
  if (!Array.isArray(value)) return giveUp;
  const out: unknown[] = [];
  for (let index = 0; index < value.length; index++) out.push(value[index]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Vendor members.

/** Members of one kind of object: those its schema names, and those variant mapping renames. */
interface Kind {
  names: ReadonlySet<string>;
  renamedLowerCase: ReadonlySet<string>;
  aliases: ReadonlySet<string>;
}
function kind(
  schema: readonly string[],
  canonical: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): Kind {
  return {
    names: new Set(schema),
    renamedLowerCase: new Set(canonical.map((name) => name.toLowerCase())),
    aliases: new Set(Object.keys(aliases)),
  };
}

/**
 * Ends an object walk: when `value` has members beyond the `present` schema members read, they
 * are copied after them as zod's loose objects do. Gives up on a member variant mapping would
 * rename, on `__proto__`, and on a schema member whose value is undefined.
 */
function withVendorMembers(
  value: Record<string, unknown>,
  out: Record<string, unknown>,
  present: number,
  of: Kind,
): unknown {
  let members = 0;
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- only counted
  for (const key in value) members++;
  if (members === present) return out;
  for (const key in value) {
    if (of.names.has(key)) {
      if (value[key] === undefined) return giveUp;
      continue;
    }
    if (key === '__proto__' || of.aliases.has(key) || of.renamedLowerCase.has(key.toLowerCase()))
      return giveUp;
    out[key] = value[key];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Objects, member for member the zod schemas of sceneMarkSchema.ts, in their order. Each member:
// read it; if present, count it, check it and write it; a required one missing gives up.

const boxKind = kind(boxMembers, boxMembers, boxAliases);
function boundingBox(value: unknown): unknown {
  if (!isJsonObject(value)) return giveUp;
  // Every value at most 1: no pixel conversion applies (sceneMark.ts canonicalBox).
  const x = probability(value.XCoordinate);
  const y = probability(value.YCoordinate);
  const width = probability(value.Width);
  const height = probability(value.Height);
  if (x === giveUp || y === giveUp || width === giveUp || height === giveUp) return giveUp;
  if ((x as number) + (width as number) > 1 + 1e-6 || (y as number) + (height as number) > 1 + 1e-6)
    return giveUp;
  return withVendorMembers(
    value,
    { XCoordinate: x, YCoordinate: y, Width: width, Height: height },
    4,
    boxKind,
  );
}

const attributeKind = kind(attributeMembers, attributeMembers);
function attribute(value: unknown): unknown {
  if (!isJsonObject(value)) return giveUp;
  const out: Record<string, unknown> = {};
  let present = 0;
  let v: unknown;
  if ((v = value.VersionNumber) !== undefined) {
    if ((v = versionNumber(v)) === giveUp) return giveUp;
    out.VersionNumber = v;
    present++;
  }
  if ((v = value.Attribute) !== undefined) {
    if ((v = text(v)) === giveUp) return giveUp;
    out.Attribute = v;
    present++;
  }
  if ((v = value.Value) !== undefined) {
    const numberOrFlag =
      v === null || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
    if (!numberOrFlag && (v = text(v)) === giveUp) return giveUp;
    out.Value = v;
    present++;
  }
  if ((v = value.ProbabilityOfAttribute) !== undefined) {
    if ((v = probability(v)) === giveUp) return giveUp;
    out.ProbabilityOfAttribute = v;
    present++;
  }
  if ((v = value.AlgorithmID) !== undefined) {
    if ((v = text(v)) === giveUp) return giveUp;
    out.AlgorithmID = v;
    present++;
  }
  return withVendorMembers(value, out, present, attributeKind);
}
function attributes(value: unknown): unknown {
  return listOf(value, attribute);
}

// DirectionalMovement is not renamed by variant mapping.
const directionalMovementKind = kind(['ID', 'URI'], []);
function directionalMovement(value: unknown): unknown {
  if (!isJsonObject(value)) return giveUp;
  const out: Record<string, unknown> = {};
  let present = 1;
  let v: unknown;
  if ((v = identifier(value.ID)) === giveUp) return giveUp;
  out.ID = v;
  if ((v = value.URI) !== undefined) {
    if ((v = text(v)) === giveUp) return giveUp;
    out.URI = v;
    present++;
  }
  return withVendorMembers(value, out, present, directionalMovementKind);
}

const detectedObjectKind = kind(
  [
    'NICEItemType',
    'CustomItemType',
    'ItemID',
    'ItemTypeCount',
    'Probability',
    'Frame',
    'TimeStamp',
    'DirectionalMovement',
    'Attributes',
    'BoundingBox',
    'RelatedSceneData',
    'ThumbnailSceneDataID',
    'VersionNumber',
  ],
  objectMembers,
);
function detectedObject(value: unknown): unknown {
  if (!isJsonObject(value)) return giveUp;
  const out: Record<string, unknown> = {};
  let present = 1;
  let v: unknown;
  v = enumeration(value.NICEItemType, niceItemTypeSet, niceItemTypes);
  if (v === giveUp) return giveUp;
  out.NICEItemType = v;
  if ((v = value.CustomItemType) !== undefined) {
    if ((v = text(v)) === giveUp) return giveUp;
    out.CustomItemType = v;
    present++;
  }
  if ((v = value.ItemID) !== undefined) {
    if ((v = text(typeof v === 'number' ? String(v) : v)) === giveUp) return giveUp;
    out.ItemID = v;
    present++;
  }
  if ((v = value.ItemTypeCount) !== undefined) {
    if ((v = count(v)) === giveUp) return giveUp;
    out.ItemTypeCount = v;
    present++;
  }
  if ((v = value.Probability) !== undefined) {
    if ((v = probability(v)) === giveUp) return giveUp;
    out.Probability = v;
    present++;
  }
  if ((v = value.Frame) !== undefined) {
    if ((v = count(v)) === giveUp) return giveUp;
    out.Frame = v;
    present++;
  }
  if ((v = value.TimeStamp) !== undefined) {
    if ((v = dateTime(v)) === giveUp) return giveUp;
    out.TimeStamp = v;
    present++;
  }
  if ((v = value.DirectionalMovement) !== undefined) {
    if ((v = directionalMovement(v)) === giveUp) return giveUp;
    out.DirectionalMovement = v;
    present++;
  }
  if ((v = value.Attributes) !== undefined) {
    if ((v = attributes(v)) === giveUp) return giveUp;
    out.Attributes = v;
    present++;
  }
  if ((v = value.BoundingBox) !== undefined) {
    if ((v = boundingBox(v)) === giveUp) return giveUp;
    out.BoundingBox = v;
    present++;
  }
  if ((v = value.RelatedSceneData) !== undefined) {
    if ((v = identifiers(v)) === giveUp) return giveUp;
    out.RelatedSceneData = v;
    present++;
  }
  if ((v = value.ThumbnailSceneDataID) !== undefined) {
    if ((v = identifier(v)) === giveUp) return giveUp;
    out.ThumbnailSceneDataID = v;
    present++;
  }
  if ((v = value.VersionNumber) !== undefined) {
    if ((v = versionNumber(v)) === giveUp) return giveUp;
    out.VersionNumber = v;
    present++;
  }
  return withVendorMembers(value, out, present, detectedObjectKind);
}

const analysisKind = kind(analysisMembers, analysisMembers);
function analysis(value: unknown): unknown {
  if (!isJsonObject(value)) return giveUp;
  const out: Record<string, unknown> = {};
  let present = 0;
  let v: unknown;
  if ((v = value.VersionNumber) !== undefined) {
    if ((v = versionNumber(v)) === giveUp) return giveUp;
    out.VersionNumber = v;
    present++;
  }
  if ((v = value.AnalysisID) !== undefined) {
    if ((v = textOrNull(v)) === giveUp) return giveUp;
    out.AnalysisID = v;
    present++;
  }
  if ((v = value.EventType) !== undefined) {
    if ((v = enumeration(v, eventTypeSet, eventTypes, eventTypeAliases)) === giveUp) return giveUp;
    out.EventType = v;
    present++;
  }
  if ((v = value.CustomEventType) !== undefined) {
    if ((v = text(v)) === giveUp) return giveUp;
    out.CustomEventType = v;
    present++;
  }
  if ((v = value.SceneMode) !== undefined) {
    if ((v = text(v)) === giveUp) return giveUp;
    out.SceneMode = v;
    present++;
  }
  if ((v = value.CustomAnalysisID) !== undefined) {
    if ((v = text(v)) === giveUp) return giveUp;
    out.CustomAnalysisID = v;
    present++;
  }
  if ((v = value.AnalysisDescription) !== undefined) {
    if ((v = text(v)) === giveUp) return giveUp;
    out.AnalysisDescription = v;
    present++;
  }
  if ((v = value.ProcessingStatus) !== undefined) {
    v = enumeration(v, processingStatusSet, processingStatuses, processingStatusAliases);
    if (v === giveUp) return giveUp;
    out.ProcessingStatus = v;
    present++;
  }
  if ((v = value.ErrorMessage) !== undefined) {
    if ((v = text(v)) === giveUp) return giveUp;
    out.ErrorMessage = v;
    present++;
  }
  if ((v = value.TotalItemCount) !== undefined) {
    if ((v = count(v)) === giveUp) return giveUp;
    out.TotalItemCount = v;
    present++;
  }
  // Variant mapping: a missing or null DetectedObjects is an empty list.
  if ((v = value.DetectedObjects) !== undefined) {
    if ((v = v === null ? [] : listOf(v, detectedObject)) === giveUp) return giveUp;
    present++;
  }
  out.DetectedObjects = v ?? [];
  return withVendorMembers(value, out, present, analysisKind);
}

const versionEntryKind = kind(versionMembers, versionMembers);
function versionEntry(value: unknown): unknown {
  if (!isJsonObject(value)) return giveUp;
  const out: Record<string, unknown> = {};
  let present = 2;
  let v: unknown;
  if ((v = versionNumber(value.VersionNumber)) === giveUp) return giveUp;
  out.VersionNumber = v;
  if ((v = value.DateTimeStamp) !== undefined) {
    if ((v = dateTime(v)) === giveUp) return giveUp;
    out.DateTimeStamp = v;
    present++;
  }
  if ((v = identifier(value.NodeID)) === giveUp) return giveUp;
  out.NodeID = v;
  if ((v = value.Server) !== undefined) {
    if ((v = text(v)) === giveUp) return giveUp;
    out.Server = v;
    present++;
  }
  return withVendorMembers(value, out, present, versionEntryKind);
}

const versionControlKind = kind(versionControlMembers, versionControlMembers);
function versionControl(value: unknown): unknown {
  // A VersionList given directly (an array) is a nesting variant: left to the exact path.
  if (!isJsonObject(value)) return giveUp;
  const out: Record<string, unknown> = {};
  let present = 1;
  let v: unknown;
  if ((v = value.DataPipelineInstanceID) !== undefined) {
    if ((v = text(v)) === giveUp) return giveUp;
    out.DataPipelineInstanceID = v;
    present++;
  }
  if ((v = listOf(value.VersionList, versionEntry, 1)) === giveUp) return giveUp;
  out.VersionList = v;
  return withVendorMembers(value, out, present, versionControlKind);
}

/**
 * A reader of one link entry (`{ VersionNumber?, <idMember> }`): ThumbnailList points at
 * SceneData, ParentSceneMarks and ChildSceneMarks at SceneMarks.
 */
function linkReader(idMember: 'SceneDataID' | 'SceneMarkID'): (value: unknown) => unknown {
  const linkKind = kind(['VersionNumber', idMember], linkMembers);
  return (value) => {
    if (!isJsonObject(value)) return giveUp;
    const out: Record<string, unknown> = {};
    let present = 1;
    let v: unknown;
    if ((v = value.VersionNumber) !== undefined) {
      if ((v = versionNumber(v)) === giveUp) return giveUp;
      out.VersionNumber = v;
      present++;
    }
    if ((v = identifier(value[idMember])) === giveUp) return giveUp;
    out[idMember] = v;
    return withVendorMembers(value, out, present, linkKind);
  };
}
const thumbnail = linkReader('SceneDataID');
const sceneMarkLink = linkReader('SceneMarkID');

const encryptionKind = kind(encryptionMembers, encryptionMembers);
function encryption(value: unknown): unknown {
  if (!isJsonObject(value)) return giveUp;
  const out: Record<string, unknown> = {};
  let present = 1;
  let v: unknown = value.EncryptionOn;
  if (typeof v !== 'boolean') return giveUp;
  out.EncryptionOn = v;
  if ((v = value.SceneEncryptionKeyID) !== undefined) {
    if ((v = text(v)) === giveUp) return giveUp;
    out.SceneEncryptionKeyID = v;
    present++;
  }
  return withVendorMembers(value, out, present, encryptionKind);
}

const resolutionKind = kind(resolutionMembers, resolutionMembers);
function resolution(value: unknown): unknown {
  if (!isJsonObject(value)) return giveUp;
  const width = positiveInteger(value.Width);
  const height = positiveInteger(value.Height);
  if (width === giveUp || height === giveUp) return giveUp;
  return withVendorMembers(value, { Width: width, Height: height }, 2, resolutionKind);
}

const sceneDataItemKind = kind(sceneDataMembers, sceneDataMembers);
function sceneDataItem(value: unknown): unknown {
  if (!isJsonObject(value)) return giveUp;
  const out: Record<string, unknown> = {};
  let present = 1;
  let v: unknown;
  if ((v = value.VersionNumber) !== undefined) {
    if ((v = versionNumber(v)) === giveUp) return giveUp;
    out.VersionNumber = v;
    present++;
  }
  if ((v = identifier(value.SceneDataID)) === giveUp) return giveUp;
  out.SceneDataID = v;
  if ((v = value.TimeStamp) !== undefined) {
    if ((v = dateTime(v)) === giveUp) return giveUp;
    out.TimeStamp = v;
    present++;
  }
  if ((v = value.SourceNodeID) !== undefined) {
    if ((v = text(v)) === giveUp) return giveUp;
    out.SourceNodeID = v;
    present++;
  }
  if ((v = value.SourceNodeDescription) !== undefined) {
    if ((v = text(v)) === giveUp) return giveUp;
    out.SourceNodeDescription = v;
    present++;
  }
  if ((v = value.Duration) !== undefined) {
    if ((v = versionNumber(v)) === giveUp) return giveUp;
    out.Duration = v;
    present++;
  }
  if ((v = value.DataType) !== undefined) {
    if ((v = enumeration(v, dataTypeSet, dataTypes)) === giveUp) return giveUp;
    out.DataType = v;
    present++;
  }
  if ((v = value.Status) !== undefined) {
    if ((v = enumeration(v, sceneDataStatusSet, sceneDataStatuses)) === giveUp) return giveUp;
    out.Status = v;
    present++;
  }
  if ((v = value.MediaFormat) !== undefined) {
    if ((v = enumeration(v, mediaFormatSet, mediaFormats, mediaFormatAliases)) === giveUp) return giveUp;
    out.MediaFormat = v;
    present++;
  }
  if ((v = value.Encryption) !== undefined) {
    if ((v = encryption(v)) === giveUp) return giveUp;
    out.Encryption = v;
    present++;
  }
  if ((v = value.Resolution) !== undefined) {
    if ((v = resolution(v)) === giveUp) return giveUp;
    out.Resolution = v;
    present++;
  }
  if ((v = value.SceneDataURI) !== undefined) {
    if ((v = text(v)) === giveUp) return giveUp;
    out.SceneDataURI = v;
    present++;
  }
  if ((v = value.EmbeddedSceneData) !== undefined) {
    if ((v = anyString(v)) === giveUp) return giveUp;
    out.EmbeddedSceneData = v;
    present++;
  }
  return withVendorMembers(value, out, present, sceneDataItemKind);
}

/** A list where variant mapping reads `null` as an empty list. */
function listOrNull(value: unknown, item: (value: unknown) => unknown): unknown {
  return value === null ? [] : listOf(value, item);
}

const sceneMarkKind = kind(topMembers, topMembers);

/**
 * The validated SceneMark of an already parsed value when it needs no structural variant
 * mapping and every member is valid; undefined otherwise (the exact path then decides). When it
 * gives a SceneMark, it is deep-equal to the exact path's, member order included.
 */
export function fastSceneMark(value: unknown): SceneMark | undefined {
  if (!isJsonObject(value)) return undefined;
  const out: Record<string, unknown> = {};
  let present = 7; // the required members
  let v: unknown;
  if ((v = sceneMarkVersion(value.Version)) === giveUp) return undefined;
  out.Version = v;
  if ((v = dateTime(value.TimeStamp)) === giveUp) return undefined;
  out.TimeStamp = v;
  if ((v = identifier(value.SceneMarkID)) === giveUp) return undefined;
  out.SceneMarkID = v;
  if ((v = value.DestinationID) !== undefined) {
    if ((v = identifiers(v)) === giveUp) return undefined;
    out.DestinationID = v;
    present++;
  }
  v = enumeration(value.SceneMarkStatus, sceneMarkStatusSet, sceneMarkStatuses);
  if (v === giveUp) return undefined;
  out.SceneMarkStatus = v;
  if ((v = identifier(value.NodeID)) === giveUp) return undefined;
  out.NodeID = v;
  if ((v = value.PortID) !== undefined) {
    if ((v = portId(v)) === giveUp) return undefined;
    out.PortID = v;
    present++;
  }
  if ((v = value.NotificationMessage) !== undefined) {
    if ((v = text(v)) === giveUp) return undefined;
    out.NotificationMessage = v;
    present++;
  }
  if ((v = versionControl(value.VersionControl)) === giveUp) return undefined;
  out.VersionControl = v;
  if ((v = value.ThumbnailList) !== undefined) {
    if ((v = listOrNull(v, thumbnail)) === giveUp) return undefined;
    out.ThumbnailList = v;
    present++;
  }
  if ((v = listOf(value.AnalysisList, analysis)) === giveUp) return undefined;
  out.AnalysisList = v;
  if ((v = value.ParentSceneMarks) !== undefined) {
    if ((v = listOrNull(v, sceneMarkLink)) === giveUp) return undefined;
    out.ParentSceneMarks = v;
    present++;
  }
  if ((v = value.ChildSceneMarks) !== undefined) {
    if ((v = listOrNull(v, sceneMarkLink)) === giveUp) return undefined;
    out.ChildSceneMarks = v;
    present++;
  }
  if ((v = value.SceneDataList) !== undefined) {
    if ((v = listOrNull(v, sceneDataItem)) === giveUp) return undefined;
    out.SceneDataList = v;
    present++;
  }
  if ((v = value.SceneModeConfig) !== undefined) {
    if ((v = unknownList(v)) === giveUp) return undefined;
    out.SceneModeConfig = v;
    present++;
  }
  const result = withVendorMembers(value, out, present, sceneMarkKind);
  return result === giveUp ? undefined : (result as SceneMark);
}
