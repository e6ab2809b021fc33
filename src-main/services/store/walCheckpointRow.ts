/**
 * A row of `PRAGMA wal_checkpoint(…)`: `busy` 1 when the checkpoint could not finish (another
 * checkpoint or a lock held it; `log` and `checkpointed` are then -1), `log` frames in the WAL,
 * `checkpointed` frames copied into the database file.
 */
export interface WalCheckpointRow {
  busy: number;
  log: number;
  checkpointed: number;
}
