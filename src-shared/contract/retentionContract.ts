import { z } from 'zod';

const Count = z.number().int().nonnegative();

/**
 * How much SceneMark history the console keeps (issue #5 item 5). 0 means no limit, and both
 * start at 0: the console never deletes anything the operator did not ask it to.
 */
export const RetentionBudgets = z.strictObject({
  /** SceneMarks whose TimeStamp is older than this many days are pruned; 0 keeps them forever. */
  maxAgeDays: z.number().int().min(0).max(36_500),
  /** The oldest SceneMarks are pruned while the database uses more than this; 0 = no limit. */
  maxSizeMiB: z
    .number()
    .int()
    .min(0)
    .max(16 * 1024 * 1024),
});
export type RetentionBudgets = z.infer<typeof RetentionBudgets>;

/** The budgets of a fresh installation: keep everything. */
export const defaultRetentionBudgets: RetentionBudgets = { maxAgeDays: 0, maxSizeMiB: 0 };

/** Request of `retention:getUsage`. */
export const GetUsageRequest = z.strictObject({});
export type GetUsageRequest = z.infer<typeof GetUsageRequest>;

/** The gauge: what the history uses now, beside the budgets. */
export const RetentionUsage = z.strictObject({
  /** Main file (page_count × page_size) plus the write-ahead log, if any. */
  databaseBytes: Count,
  /** Of which the write-ahead log. */
  walBytes: Count,
  /** Free pages inside the file, reused by new rows; VACUUM returns them to the system. */
  freeBytes: Count,
  sceneMarks: Count,
  /** TimeStamp of the oldest and newest stored SceneMark, ms since the epoch. */
  oldestSceneMarkMs: z.number().nullable(),
  newestSceneMarkMs: z.number().nullable(),
  rejects: Count,
  budgets: RetentionBudgets,
});
export type RetentionUsage = z.infer<typeof RetentionUsage>;

/** Request of `retention:setBudgets`: any subset of the budgets, nothing else. */
export const SetBudgetsRequest = RetentionBudgets.partial().refine((patch) => Object.keys(patch).length > 0, {
  message: 'at least one budget must be given',
});
export type SetBudgetsRequest = z.infer<typeof SetBudgetsRequest>;

/** Request of `retention:vacuum`. */
export const VacuumRequest = z.strictObject({});
export type VacuumRequest = z.infer<typeof VacuumRequest>;

/** What a VACUUM gave back. */
export const VacuumResponse = z.strictObject({
  bytesBefore: Count,
  bytesAfter: Count,
  durationMs: z.number().nonnegative(),
});
export type VacuumResponse = z.infer<typeof VacuumResponse>;

/** Which budget a pruning run enforced. */
export const PruneReason = z.enum(['age', 'size']);
export type PruneReason = z.infer<typeof PruneReason>;

/** One pruning run that removed something (`retention:pruned`). */
export const RetentionPruned = z.strictObject({
  reasons: z.array(PruneReason),
  sceneMarks: Count,
  sceneData: Count,
  rejects: Count,
  /** Transactions used; each removes at most one small batch. */
  batches: Count,
  durationMs: z.number().nonnegative(),
  atMs: z.number(),
});
export type RetentionPruned = z.infer<typeof RetentionPruned>;
