import { z } from 'zod';

const Count = z.number().int().nonnegative();

/**
 * One stored SceneMark as the live views see it (`scenemarks:ingested` batches): the columns a
 * list row shows, not the SceneMark itself (`scenemarks:getSceneMark` gives the detail).
 */
export const IngestedSceneMark = z.strictObject({
  sceneMarkId: z.string(),
  /** TimeStamp, ms since the epoch. */
  time: z.number(),
  deviceId: z.string().nullable(),
  nodeId: z.string(),
  eventType: z.string().nullable(),
  itemTypes: z.array(z.string()),
  highestProbability: z.number().nullable(),
  status: z.string(),
});
export type IngestedSceneMark = z.infer<typeof IngestedSceneMark>;

/** The last failure of the SceneMark store, shown until a commit succeeds again. */
export const IngestStoreError = z.strictObject({
  /** SQLite result code (`SQLITE_BUSY`, `SQLITE_CORRUPT`, …) or `UNKNOWN`. */
  code: z.string(),
  message: z.string(),
  atMs: z.number(),
});
export type IngestStoreError = z.infer<typeof IngestStoreError>;

/** Counters of the ingest pipeline since start (issue #5 item 2); `dropped` must stay 0. */
export const IngestCounters = z.strictObject({
  received: Count,
  /** New SceneMarkIDs written. */
  stored: Count,
  /** SceneMarks replaced by a later VersionControl revision. */
  updated: Count,
  /** Same or older revision of a stored SceneMarkID: nothing changed. */
  duplicates: Count,
  /** Invalid input, kept in the rejects table with the reason. */
  rejected: Count,
  /** Refused because the queue was full. */
  dropped: Count,
  queueDepth: Count,
  /** Failed commits (locked, busy or corrupt database); the batch stayed queued. */
  storeErrors: Count,
  lastError: IngestStoreError.nullable(),
});
export type IngestCounters = z.infer<typeof IngestCounters>;

/** Request of `scenemarks:getIngestCounters`. */
export const GetIngestCountersRequest = z.strictObject({});
export type GetIngestCountersRequest = z.infer<typeof GetIngestCountersRequest>;
