import { z } from 'zod';
import {
  dataTypes,
  eventTypes,
  mediaFormats,
  niceItemTypes,
  processingStatuses,
  sceneDataStatuses,
  sceneMarkStatuses,
} from './niceEnumerations';
import { parseLenientDateTime } from './niceTime';

/*
 * Zod schemas of the canonical SceneMark (digest §3.2, NICE profile "SceneMarks"). They check
 * the shape after the variants of digest §6.9 were mapped onto one spelling (sceneMark.ts), so
 * they accept exactly one spelling of every member. Objects are loose: vendor members
 * (NotificationMessage, DeviceName, …) are kept, never rejected.
 */

/** The SceneMark object schema version, `"1.0"` (1.x accepted). */
export const SceneMarkVersion = z.string().regex(/^1\.\d+$/, 'expected "1.0"');

/** A NICE date-time (canonical 24-char form after normalisation). */
export const NiceDateTime = z
  .string()
  .refine((value) => parseLenientDateTime(value) !== null, 'expected YYYY-MM-DDThh:mm:ss.sssZ');

const Identifier = z.string().min(1, 'must not be empty').max(256, 'longer than 256 characters');
const Text = z.string().max(65_536, 'longer than 65536 characters');
const Count = z.number().int('expected an integer').min(0, 'must not be negative');
const VersionNumber = z.number().min(0, 'must not be negative');
/** A probability, 0..1. */
export const Probability = z.number().min(0, 'below 0').max(1, 'above 1');
/** A coordinate or size normalised to the frame, 0..1 from the top-left corner. */
const Unit = z
  .number()
  .min(0, 'below 0 (boxes are normalised 0..1)')
  .max(1, 'above 1 (boxes are normalised 0..1)');
const PortId = z.string().regex(/^[0-9a-f]{4}$/, 'expected four hex digits');

/** Bounding box, normalised 0..1 from the top-left corner (NICE profile). */
export const BoundingBox = z
  .looseObject({ XCoordinate: Unit, YCoordinate: Unit, Width: Unit, Height: Unit })
  .refine((box) => box.XCoordinate + box.Width <= 1 + 1e-6, {
    message: 'XCoordinate + Width exceeds the frame',
    path: ['Width'],
  })
  .refine((box) => box.YCoordinate + box.Height <= 1 + 1e-6, {
    message: 'YCoordinate + Height exceeds the frame',
    path: ['Height'],
  });
export type BoundingBox = z.output<typeof BoundingBox>;

/** Attribute of a detected object. */
export const Attribute = z.looseObject({
  VersionNumber: VersionNumber.optional(),
  Attribute: Text.optional(),
  Value: z.union([Text, z.number(), z.boolean(), z.null()]).optional(),
  ProbabilityOfAttribute: Probability.optional(),
  AlgorithmID: Text.optional(),
});

/** One detected object of an Analysis. */
export const DetectedObject = z.looseObject({
  NICEItemType: z.enum(niceItemTypes),
  CustomItemType: Text.optional(),
  ItemID: Text.optional(),
  ItemTypeCount: Count.optional(),
  Probability: Probability.optional(),
  Frame: Count.optional(),
  TimeStamp: NiceDateTime.optional(),
  DirectionalMovement: z.looseObject({ ID: Identifier, URI: Text.optional() }).optional(),
  Attributes: z.array(Attribute).optional(),
  BoundingBox: BoundingBox.optional(),
  RelatedSceneData: z.array(Identifier).optional(),
  ThumbnailSceneDataID: Identifier.optional(),
  VersionNumber: VersionNumber.optional(),
});
export type DetectedObject = z.output<typeof DetectedObject>;

/** One Analysis (one per processing node). */
export const Analysis = z.looseObject({
  VersionNumber: VersionNumber.optional(),
  AnalysisID: z.union([Text, z.null()]).optional(),
  EventType: z.enum(eventTypes).optional(),
  CustomEventType: Text.optional(),
  SceneMode: Text.optional(),
  CustomAnalysisID: Text.optional(),
  AnalysisDescription: Text.optional(),
  ProcessingStatus: z.enum(processingStatuses).optional(),
  ErrorMessage: Text.optional(),
  TotalItemCount: Count.optional(),
  DetectedObjects: z.array(DetectedObject),
});
export type Analysis = z.output<typeof Analysis>;

/** One entry of VersionControl.VersionList. */
export const VersionEntry = z.looseObject({
  VersionNumber: VersionNumber,
  DateTimeStamp: NiceDateTime.optional(),
  NodeID: Identifier,
  Server: Text.optional(),
});

/** Which nodes processed the SceneMark. */
export const VersionControl = z.looseObject({
  DataPipelineInstanceID: Text.optional(),
  VersionList: z.array(VersionEntry).min(1, 'needs at least the generating node'),
});

/** Width and height in pixels of a SceneData item (digest §3.2) or a SceneMode output (§3.5). */
export const Resolution = z.looseObject({
  Width: z.number().int('expected an integer').positive('must be positive'),
  Height: z.number().int('expected an integer').positive('must be positive'),
});

/** Encryption of a SceneData item. */
export const SceneDataEncryption = z.looseObject({
  EncryptionOn: z.boolean(),
  SceneEncryptionKeyID: Text.optional(),
});

/** A SceneData item described by the SceneMark. */
export const SceneDataItem = z.looseObject({
  VersionNumber: VersionNumber.optional(),
  SceneDataID: Identifier,
  TimeStamp: NiceDateTime.optional(),
  SourceNodeID: Text.optional(),
  SourceNodeDescription: Text.optional(),
  Duration: z.number().min(0, 'must not be negative').optional(),
  DataType: z.enum(dataTypes).optional(),
  Status: z.enum(sceneDataStatuses).optional(),
  MediaFormat: z.enum(mediaFormats).optional(),
  Encryption: SceneDataEncryption.optional(),
  Resolution: Resolution.optional(),
  SceneDataURI: Text.optional(),
  EmbeddedSceneData: z.string().optional(),
});
export type SceneDataItem = z.output<typeof SceneDataItem>;

const SceneMarkLink = z.looseObject({ VersionNumber: VersionNumber.optional(), SceneMarkID: Identifier });

/** The SceneMark (digest §3.2); required members per the NICE profile. */
export const SceneMark = z.looseObject({
  Version: SceneMarkVersion,
  TimeStamp: NiceDateTime,
  SceneMarkID: Identifier,
  DestinationID: z.array(Identifier).optional(),
  SceneMarkStatus: z.enum(sceneMarkStatuses),
  NodeID: Identifier,
  PortID: PortId.optional(),
  NotificationMessage: Text.optional(),
  VersionControl: VersionControl,
  ThumbnailList: z
    .array(z.looseObject({ VersionNumber: VersionNumber.optional(), SceneDataID: Identifier }))
    .optional(),
  AnalysisList: z.array(Analysis),
  ParentSceneMarks: z.array(SceneMarkLink).optional(),
  ChildSceneMarks: z.array(SceneMarkLink).optional(),
  SceneDataList: z.array(SceneDataItem).optional(),
  SceneModeConfig: z.array(z.unknown()).optional(),
});
/** A validated SceneMark in canonical spelling. */
export type SceneMark = z.output<typeof SceneMark>;
