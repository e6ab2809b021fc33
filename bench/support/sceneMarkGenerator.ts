/**
 * Generator of realistic SceneMarks at scale (issue #5 benchmarks and tests). Every SceneMark is
 * valid JSON that parseSceneMark accepts, deterministic by its index, and spread over devices,
 * nodes, ports, event types, item types, statuses and time.
 */

/** Options of generateSceneMark; every field has a default. */
export interface SceneMarkGeneratorOptions {
  /** Number of distinct devices (default 50). */
  devices?: number;
  /** Nodes per device (default 4). */
  nodesPerDevice?: number;
  /** TimeStamp of index 0, ms since the epoch (default 2026-01-01T00:00:00.000Z). */
  startMs?: number;
  /** Mean spacing between consecutive indices, ms (default 250; jittered ±50 %). */
  intervalMs?: number;
  /** VersionControl VersionNumber of the generating node (default 1); > 1 adds entries. */
  revision?: number;
  /** Prefix of the SceneMarkID, to keep runs apart (default `SMK`). */
  idPrefix?: string;
}

const eventTypes = [
  'ItemPresence',
  'ItemPresence',
  'ItemPresence',
  'Loitering',
  'Intrusion',
  'LineCrossing',
  'Falldown',
  'Abandonment',
  'Fire',
  'Scheduled',
] as const;
const itemTypes = [
  'Human',
  'Human',
  'Human',
  'Vehicle',
  'Vehicle',
  'Face',
  'Animal',
  'Bag',
  'TextLogoQRCode',
  'Accessory',
  'Weapon',
  'Fire',
] as const;
const statuses = ['Active', 'Active', 'Active', 'Processed', 'Removed'] as const;
const models = ['YOLOv4', 'YOLOv8n', 'SSD-MobileNet', 'EfficientDet-D0'] as const;
const attributeNames = [
  ['Colour', ['Red', 'Blue', 'White', 'Black']],
  ['Mood', ['Happy', 'Neutral', 'Angry']],
  ['Posture', ['Standing', 'Sitting', 'Lying']],
] as const;

/** Deterministic PRNG (mulberry32) seeded by the index. */
function random(seed: number): () => number {
  let state = (seed * 0x9e3779b1 + 0x6d2b79f5) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(list: readonly T[], next: () => number): T {
  return list[Math.floor(next() * list.length)] as T;
}

function hex(value: number, digits: number): string {
  return (value >>> 0).toString(16).padStart(digits, '0').slice(-digits);
}

function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** DeviceID (a NICE EndPointID, UUID-shaped) of device number `device`. */
export function generatedDeviceId(device: number): string {
  return `00000013-60ed-9b3e-8002-${hex(0x1000 + device, 12)}`;
}

const encoder = new TextEncoder();

/** The SceneMark object of `index` (before serialisation). */
export function generateSceneMarkObject(
  index: number,
  options: SceneMarkGeneratorOptions = {},
): Record<string, unknown> {
  const devices = options.devices ?? 50;
  const nodesPerDevice = options.nodesPerDevice ?? 4;
  const startMs = options.startMs ?? Date.UTC(2026, 0, 1);
  const intervalMs = options.intervalMs ?? 250;
  const revision = options.revision ?? 1;
  const prefix = options.idPrefix ?? 'SMK';
  const next = random(index);

  const device = index % devices;
  const node = Math.floor(index / devices) % nodesPerDevice;
  const deviceId = generatedDeviceId(device);
  const nodeId = `${deviceId}_${hex(node + 1, 4)}`;
  const timeMs = Math.round(startMs + index * intervalMs + (next() - 0.5) * intervalMs);
  const time = new Date(timeMs).toISOString();
  const eventType = pick(eventTypes, next);
  const sceneMarkId = `${prefix}_${nodeId}_${hex(index, 8)}`;

  const objectCount = eventType === 'Scheduled' ? 0 : 1 + Math.floor(next() * next() * 5);
  const thumbnailId = `SDT_${nodeId}_${hex(index * 2, 8)}`;
  const videoId = `SDT_${nodeId}_${hex(index * 2 + 1, 8)}`;
  const objects = Array.from({ length: objectCount }, (_, ordinal) => {
    const width = round(0.05 + next() * 0.3);
    const height = round(0.05 + next() * 0.5);
    const object: Record<string, unknown> = {
      NICEItemType: pick(itemTypes, next),
      CustomItemType: '',
      ItemID: `${hex(index, 8)}-${ordinal}`,
      ItemTypeCount: 1,
      Probability: round(0.3 + next() * 0.7, 2),
      BoundingBox: {
        XCoordinate: round(next() * (1 - width)),
        YCoordinate: round(next() * (1 - height)),
        Width: width,
        Height: height,
      },
      RelatedSceneData: [thumbnailId],
    };
    if (next() < 0.3) {
      const [attribute, values] = pick(attributeNames, next);
      object['Attributes'] = [
        {
          VersionNumber: 1.0,
          Attribute: attribute,
          Value: pick(values, next),
          ProbabilityOfAttribute: round(0.5 + next() * 0.5, 2),
        },
      ];
    }
    return object;
  });

  const versionList = Array.from({ length: Math.max(1, Math.ceil(revision)) }, (_, step) => ({
    VersionNumber: step + 1 === Math.ceil(revision) ? revision : step + 1,
    DateTimeStamp: new Date(timeMs + step * 1000).toISOString(),
    NodeID: step === 0 ? nodeId : `00000002-5eab-2e3d-8003-000100000001_${hex(step, 4)}`,
  }));

  const sceneDataList: Record<string, unknown>[] = [
    {
      VersionNumber: 1.0,
      SceneDataID: thumbnailId,
      TimeStamp: time,
      SourceNodeID: nodeId,
      DataType: 'Thumbnail',
      Status: 'Available at Provided URI',
      MediaFormat: 'JPEG',
      Resolution: { Width: 320, Height: 180 },
      Encryption: { EncryptionOn: false },
      SceneDataURI: `https://ds.example/${deviceId}/${thumbnailId}.jpg`,
    },
  ];
  if (next() < 0.4)
    sceneDataList.push({
      VersionNumber: 1.0,
      SceneDataID: videoId,
      TimeStamp: time,
      SourceNodeID: nodeId,
      DataType: 'RGBVideo',
      Duration: 10 + Math.floor(next() * 50),
      Status: 'Upload in Progress',
      MediaFormat: 'H.264',
      Encryption: { EncryptionOn: false },
      SceneDataURI: `https://ds.example/${deviceId}/${videoId}.mp4`,
    });

  return {
    Version: '1.0',
    TimeStamp: time,
    SceneMarkID: sceneMarkId,
    DestinationID: ['00000002-5eab-2e3d-8003-000100000001'],
    SceneMarkStatus: pick(statuses, next),
    NodeID: nodeId,
    PortID: hex((index % 3) + 1, 4),
    VersionControl: { VersionList: versionList },
    ThumbnailList: [{ VersionNumber: 1.0, SceneDataID: thumbnailId }],
    AnalysisList: [
      {
        VersionNumber: 1.0,
        EventType: eventType,
        AnalysisID: `${hex(node + 1, 4)}-0002-AI${1 + (index % 3)}`,
        AnalysisDescription: pick(models, next),
        ProcessingStatus: objectCount > 0 ? 'Detected' : 'Undetected',
        TotalItemCount: objectCount,
        DetectedObjects: objects,
      },
    ],
    SceneDataList: sceneDataList,
  };
}

/** The SceneMark of `index` as UTF-8 JSON bytes; the same index always gives the same bytes. */
export function generateSceneMark(index: number, options: SceneMarkGeneratorOptions = {}): Uint8Array {
  return encoder.encode(JSON.stringify(generateSceneMarkObject(index, options)));
}

/** SceneMarks of indices `from` .. `from + count - 1`. */
export function* generateSceneMarks(
  count: number,
  options: SceneMarkGeneratorOptions & { from?: number } = {},
): Generator<Uint8Array> {
  const from = options.from ?? 0;
  for (let index = from; index < from + count; index++) yield generateSceneMark(index, options);
}
