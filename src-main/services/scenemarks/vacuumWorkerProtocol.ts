/** Slots of the worker's shared flags (Int32): the worker loops synchronously, so no message could reach it. */
export const vacuumFlag = {
  /** Main stores 1 to stop folding the log back in (shutdown). */
  cancel: 0,
  /** Main stores 1 once ingest is held, so truncating the log cannot keep a commit waiting. */
  truncate: 1,
} as const;

/** What the VACUUM worker is started with. */
export interface VacuumWorkerData {
  databaseFile: string;
  /** How long the worker's connection waits for the write lock before giving up (SQLITE_BUSY). */
  lockWaitMs: number;
  /** Two Int32 slots, see `vacuumFlag`. */
  flags: SharedArrayBuffer;
}

/** What the VACUUM worker tells main: rewritten, folded, done; or failed. */
export type VacuumWorkerMessage =
  /** VACUUM committed: the write lock is free again, so main may resume ingest. */
  | { type: 'rewritten'; durationMs: number }
  /** The log is copied back into the file; the worker waits for `vacuumFlag.truncate`. */
  | { type: 'folded' }
  /** The worker is closing; the log was folded back in and truncated, or could not be yet. */
  | { type: 'done'; walFolded: boolean; walTruncated: boolean }
  /** VACUUM did not happen; `code` is SQLite's (SQLITE_BUSY, SQLITE_FULL…) or Node's. */
  | { type: 'failed'; code: string; message: string };
