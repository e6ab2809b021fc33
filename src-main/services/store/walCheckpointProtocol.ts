/** What the checkpointer thread is started with. */
export interface WalCheckpointWorkerData {
  databaseFile: string;
  intervalMs: number;
  /** WAL frames beyond which a RESTART checkpoint rewinds the log. */
  restartFrames: number;
  /** Longest a RESTART checkpoint waits for the writer's transaction to end. */
  restartWaitMs: number;
}
