/**
 * Enumerations of SceneMark and SceneMode members, in their canonical spelling (digest §3.7;
 * NICE profile "Enumerations as the digest §3.7 lists, emitted in their canonical spelling").
 * Received spellings are mapped onto these by `canonicalEnum` (ignoring case and punctuation)
 * plus the explicit aliases below.
 */

/** SceneMode detection type (`Mode.SceneMode`), the base NICEItemType list. */
export const sceneModeTypes = [
  'Motion',
  'Face',
  'Human',
  'Vehicle',
  'Label',
  'Animal',
  'TextLogoQRCode',
  'Custom',
  'Scene',
] as const;

/** NICEItemType (digest §3.7): the base SceneMode list plus the later additions. */
export const niceItemTypes = [
  ...sceneModeTypes,
  'Fire',
  'Accessory',
  'Bag',
  'Furniture',
  'Weapon',
  'Undefined',
  'Test',
] as const;
export type NiceItemType = (typeof niceItemTypes)[number];

/** EventType (digest §3.7; `RevIntrustion` is the published spelling). */
export const eventTypes = [
  'Custom',
  'RegionOfInterest',
  'ItemPresence',
  'Loitering',
  'Intrusion',
  'Falldown',
  'Violence',
  'Fire',
  'Abandonment',
  'SpeedGate',
  'Xray',
  'Facility',
  'Scheduled',
  'Test',
  'HatOff',
  'LightOff',
  'PosBreak',
  'IllegalStay',
  'RevIntrustion',
  'LineCrossing',
] as const;
export type EventType = (typeof eventTypes)[number];

/** EventType spellings seen besides the canonical ones (keys are lowercase alphanumerics). */
export const eventTypeAliases: Readonly<Record<string, EventType>> = { revintrusion: 'RevIntrustion' };

/** SceneMarkStatus. */
export const sceneMarkStatuses = ['Active', 'Processed', 'Removed'] as const;
export type SceneMarkStatus = (typeof sceneMarkStatuses)[number];

/** ProcessingStatus of an Analysis (past tense). */
export const processingStatuses = [
  'CustomAnalysis',
  'Motion',
  'Detected',
  'Recognized',
  'Characterized',
  'Undetected',
  'Failed',
  'Error',
] as const;
export type ProcessingStatus = (typeof processingStatuses)[number];

/** niceapi writes the SceneMode stage vocabulary (present tense) here; accept it (digest §3.2). */
export const processingStatusAliases: Readonly<Record<string, ProcessingStatus>> = {
  detect: 'Detected',
  recognize: 'Recognized',
  recognise: 'Recognized',
  recognised: 'Recognized',
  characterize: 'Characterized',
  characterise: 'Characterized',
  characterised: 'Characterized',
};

/** AnalysisStage / ProcessingStage of a SceneMode (present tense). */
export const analysisStages = ['CustomAnalysis', 'Motion', 'Detect', 'Recognize', 'Characterize'] as const;
export type AnalysisStage = (typeof analysisStages)[number];

/** Past-tense spellings accepted for an AnalysisStage. */
export const analysisStageAliases: Readonly<Record<string, AnalysisStage>> = {
  detected: 'Detect',
  recognized: 'Recognize',
  recognise: 'Recognize',
  characterized: 'Characterize',
  characterise: 'Characterize',
};

/** DataType of a SceneData item. */
export const dataTypes = [
  'Thumbnail',
  'RGBStill',
  'IRStill',
  'DepthStill',
  'RGBStereoStill',
  'ThermalStill',
  'RGBVideo',
  'IRVideo',
  'DepthVideo',
  'RGBStereoVideo',
  'ThermalVideo',
  'Audio',
  'Temperature',
  'Humidity',
  'PIR',
  'CarbonMonoxide',
  'AudioTranscript',
  'IRDetection',
  'Pressure',
  'Proximity',
  'LiquidLevel',
  'Acceleration',
  'Rotation',
  'Vector',
  'Other',
] as const;
export type DataType = (typeof dataTypes)[number];

/** MediaFormat: schema values, `H.264`/`H.265` canonical (`H264` accepted), plus HLS-TS and audio. */
export const mediaFormats = [
  'UNSPECIFIED',
  'JPEG',
  'PNG',
  'H.264',
  'H.265',
  'RAW',
  'JSON',
  'HLS-TS',
  'AAC',
  'MP3',
  'WAV',
  'VP8',
] as const;
export type MediaFormat = (typeof mediaFormats)[number];

/** MediaFormat spellings seen besides the canonical ones. */
export const mediaFormatAliases: Readonly<Record<string, MediaFormat>> = {
  jpg: 'JPEG',
  avc: 'H.264',
  hevc: 'H.265',
  unspecified: 'UNSPECIFIED',
};

/** Status of a SceneData item. */
export const sceneDataStatuses = ['Available at Provided URI', 'Upload in Progress'] as const;
export type SceneDataStatus = (typeof sceneDataStatuses)[number];

/** Scheme.Protocol of a NetEndPoint. */
export const schemeProtocols = ['MQTT', 'WebAPI', 'WebRTC', 'Local'] as const;
export type SchemeProtocol = (typeof schemeProtocols)[number];

/** Scheme.Role. */
export const schemeRoles = ['Client', 'Server'] as const;

/** SchedulingType of a SceneModeConfig schedule (digest §3.5). */
export const schedulingTypes = [
  'Default',
  'ScheduledOnce',
  'ScheduledHourly',
  'ScheduledDaily',
  'ScheduledWeekDay',
  'ScheduledWeekEnd',
  'ScheduledWeekly',
  'ScheduledMonthly',
  'ScheduledAnnually',
  'Sunday',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
  'Holiday',
] as const;

/** ROIType of an AnalysisRegion. */
export const roiTypes = ['SingleLine', 'MultiLine', 'SinglePolygon', 'MultiPolygon'] as const;

/** Severity of an ROI. */
export const roiSeverities = ['None', 'Warning', 'Critical'] as const;

/** Output Type of a SceneMode (digest §3.5) plus `SceneMark` (GetCapabilities outputs). */
export const outputTypes = [
  'Video',
  'Image',
  'Audio',
  'Thermometer',
  'Humidity',
  'CarbonMonoxide',
  'PIR',
  'SceneMark',
] as const;
