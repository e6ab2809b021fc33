import { z } from 'zod';

/** Most rows one `scenemarks:querySceneMarks` page may hold. */
export const maxSceneMarkPageSize = 500;
/** Most buckets one `scenemarks:getTimeline` reply may hold. */
export const maxTimelineBuckets = 2000;
/** Smallest and largest timeline bucket: one second and one day. */
export const minTimelineBucketMs = 1000;
export const maxTimelineBucketMs = 86_400_000;
/** Bucket sizes the console picks from when the caller gives none (1 s … 1 day). */
export const timelineBucketSizesMs = [
  1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000,
  7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
] as const;

/** Milliseconds since the epoch (UTC). */
const EpochMs = z.number().int().min(-8_640_000_000_000_000).max(8_640_000_000_000_000);
/** An identifier as stored (device, node, event or item type). */
const StoredId = z.string().min(1).max(256);
const IdList = z.array(StoredId).min(1).max(200);

/** SceneMarkStatus values (digest §3.7). */
export const SceneMarkStatusFilter = z.enum(['Active', 'Processed', 'Removed']);

/**
 * Filters shared by the list and the timeline. Every member is optional; members combine
 * with AND, the values of one list with OR. The range is half-open: `from` ≤ time < `to`.
 */
export const SceneMarkFilter = z.strictObject({
  from: EpochMs.optional(),
  to: EpochMs.optional(),
  /** Device ids (EndPointIDs); `null` never matches here, use `nodeIds` for nodes without one. */
  deviceIds: IdList.optional(),
  /** Node ids (4 hex digits as stored), on any device unless `deviceIds` narrows it. */
  nodeIds: IdList.optional(),
  /** SceneMarks with at least one of these NICEItemTypes. */
  itemTypes: z.array(StoredId).min(1).max(32).optional(),
  eventTypes: IdList.optional(),
  /** Highest detected probability at least this (SceneMarks without one do not match). */
  minProbability: z.number().min(0).max(1).optional(),
  statuses: z.array(SceneMarkStatusFilter).min(1).max(3).optional(),
  /**
   * Case-insensitive substring of the SceneMarkID, device id, node id, item types or the
   * device's name; `%` and `_` match themselves.
   */
  text: z.string().trim().min(1).max(100).optional(),
});
export type SceneMarkFilter = z.infer<typeof SceneMarkFilter>;

const rangeInOrder = (filter: { from?: number | undefined; to?: number | undefined }): boolean =>
  filter.from === undefined || filter.to === undefined || filter.from <= filter.to;
const rangeMessage = { message: 'must not be before from', path: ['to'] };

/** A position in the newest-first order, decoded from an opaque cursor. */
export interface SceneMarkCursor {
  timeMs: number;
  id: number;
}

const cursorShape = /^(-?[0-9a-z]{1,12})\.([0-9a-z]{1,12})$/;

/**
 * Decodes a cursor given by an earlier page; `undefined` when it is not one. Cursors are
 * opaque to the renderer: it passes back `nextCursor` unchanged.
 */
export function decodeSceneMarkCursor(cursor: string): SceneMarkCursor | undefined {
  const match = cursorShape.exec(cursor);
  if (!match?.[1] || !match[2]) return undefined;
  const timeMs = Number.parseInt(match[1], 36);
  const id = Number.parseInt(match[2], 36);
  if (!Number.isSafeInteger(timeMs) || !Number.isSafeInteger(id) || id < 1) return undefined;
  return { timeMs, id };
}

/** Encodes the position of the last row of a page as an opaque cursor. */
export function encodeSceneMarkCursor(cursor: SceneMarkCursor): string {
  return `${cursor.timeMs.toString(36)}.${cursor.id.toString(36)}`;
}

/**
 * Request of `scenemarks:querySceneMarks`: one page of SceneMarks, newest first (time, then
 * arrival order), continuing after `cursor` when given (keyset pagination, stable while new
 * SceneMarks arrive).
 */
export const QuerySceneMarksRequest = SceneMarkFilter.extend({
  pageSize: z.number().int().min(1).max(maxSceneMarkPageSize).default(100),
  cursor: z
    .string()
    .max(40)
    .transform((value, context) => {
      const decoded = decodeSceneMarkCursor(value);
      if (decoded) return decoded;
      context.addIssue({ code: 'custom', message: 'is not a cursor this console gave out' });
      return z.NEVER;
    })
    .optional(),
}).refine(rangeInOrder, rangeMessage);
export type QuerySceneMarksRequest = z.infer<typeof QuerySceneMarksRequest>;

/** The normalised columns of one stored SceneMark (never its original bytes). */
export const SceneMarkRow = z.strictObject({
  sceneMarkId: z.string(),
  timeMs: z.number().int(),
  deviceId: z.string().nullable(),
  nodeId: z.string(),
  portId: z.string().nullable(),
  eventType: z.string().nullable(),
  status: z.string(),
  itemTypes: z.array(z.string()),
  highestProbability: z.number().nullable(),
  schemaVersion: z.string(),
  revision: z.number().int(),
  source: z.string(),
  receivedMs: z.number().int(),
});
export type SceneMarkRow = z.infer<typeof SceneMarkRow>;

/** Reply of `scenemarks:querySceneMarks`. */
export const QuerySceneMarksResponse = z.strictObject({
  rows: z.array(SceneMarkRow),
  /** Pass back to get the next page; null when this page is the last. */
  nextCursor: z.string().nullable(),
});
export type QuerySceneMarksResponse = z.infer<typeof QuerySceneMarksResponse>;

/**
 * Request of `scenemarks:getTimeline`: SceneMark counts per time bucket over `from`..`to`
 * with the same filters as the list. Buckets are aligned on multiples of the bucket size
 * since the epoch (UTC). Without `bucketMs` the console picks the smallest of
 * `timelineBucketSizesMs` giving at most `maxBuckets` buckets.
 */
export const GetTimelineRequest = SceneMarkFilter.extend({
  from: EpochMs,
  to: EpochMs,
  bucketMs: z.number().int().min(minTimelineBucketMs).max(maxTimelineBucketMs).optional(),
  maxBuckets: z.number().int().min(1).max(maxTimelineBuckets).default(200),
})
  .refine(rangeInOrder, rangeMessage)
  .refine(
    (request) =>
      request.bucketMs === undefined ||
      timelineBucketCount(request.from, request.to, request.bucketMs) <= maxTimelineBuckets,
    { message: `gives more than ${maxTimelineBuckets} buckets for this range`, path: ['bucketMs'] },
  );
export type GetTimelineRequest = z.infer<typeof GetTimelineRequest>;

/** How many aligned buckets of `bucketMs` cover `from`..`to` (half-open). */
export function timelineBucketCount(from: number, to: number, bucketMs: number): number {
  if (to <= from) return 0;
  return Math.floor((to - 1) / bucketMs) - Math.floor(from / bucketMs) + 1;
}

/** Reply of `scenemarks:getTimeline`. */
export const GetTimelineResponse = z.strictObject({
  bucketMs: z.number().int().positive(),
  /** Start of the first bucket (≤ from). */
  firstBucketMs: z.number().int(),
  /** One count per bucket, in time order; bucket i starts at firstBucketMs + i × bucketMs. */
  counts: z.array(z.number().int().nonnegative()).max(maxTimelineBuckets),
  total: z.number().int().nonnegative(),
});
export type GetTimelineResponse = z.infer<typeof GetTimelineResponse>;

/** Request of `scenemarks:getSceneMark`: one SceneMark by its SceneMarkID. */
export const GetSceneMarkRequest = z.strictObject({
  sceneMarkId: z.string().min(1).max(256),
});
export type GetSceneMarkRequest = z.infer<typeof GetSceneMarkRequest>;

/** A detected object as stored, box normalised 0..1 from the top-left corner. */
export const DetectedObjectRow = z.strictObject({
  ordinal: z.number().int().nonnegative(),
  itemType: z.string(),
  probability: z.number().nullable(),
  box: z.strictObject({ x: z.number(), y: z.number(), width: z.number(), height: z.number() }).nullable(),
});
export type DetectedObjectRow = z.infer<typeof DetectedObjectRow>;

/** One SceneData item of a SceneMark: what the SceneMark says and what the console holds. */
export const SceneDataDetail = z.strictObject({
  sceneDataId: z.string(),
  /** The SceneDataList entry of the SceneMark, without EmbeddedSceneData; null if not listed. */
  listed: z.record(z.string(), z.unknown()).nullable(),
  /** Whether the SceneMark names it in ThumbnailList. */
  thumbnail: z.boolean(),
  /** The stored item's metadata; null when the console has not received it. */
  stored: z
    .strictObject({
      mediaFormat: z.string().nullable(),
      encoding: z.string().nullable(),
      byteSize: z.number().int().nonnegative(),
      sha256: z.string(),
      uri: z.string().nullable(),
      receivedMs: z.number().int(),
      inline: z.boolean(),
    })
    .nullable(),
  /** A `data:` URL of a small stored image (JPEG or PNG) to show as is; null otherwise. */
  dataUrl: z.string().nullable(),
});
export type SceneDataDetail = z.infer<typeof SceneDataDetail>;

/** Reply of `scenemarks:getSceneMark`. */
export const GetSceneMarkResponse = z.strictObject({
  sceneMark: SceneMarkRow,
  objects: z.array(DetectedObjectRow),
  /** The SceneMark exactly as received, decoded as UTF-8. */
  originalText: z.string(),
  sceneData: z.array(SceneDataDetail),
});
export type GetSceneMarkResponse = z.infer<typeof GetSceneMarkResponse>;

/** Request of `scenemarks:listFacets`: nothing. */
export const ListFacetsRequest = z.strictObject({});
export type ListFacetsRequest = z.infer<typeof ListFacetsRequest>;

/** Reply of `scenemarks:listFacets`: the values present, for the filter pickers. */
export const ListFacetsResponse = z.strictObject({
  devices: z.array(
    z.strictObject({
      deviceId: z.string(),
      name: z.string().nullable(),
      nodeIds: z.array(z.string()),
    }),
  ),
  itemTypes: z.array(z.string()),
  eventTypes: z.array(z.string()),
});
export type ListFacetsResponse = z.infer<typeof ListFacetsResponse>;
