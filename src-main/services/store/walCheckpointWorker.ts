// Entry of the write-ahead-log checkpointer thread (WalCheckpointer): copies committed pages
// from the WAL into the database file on its own connection, so the fsyncs and page copies of
// checkpoints never run inside an ingest commit on main. Imported on the main thread (as the
// plain-Node load test does) it does nothing.
import Database from 'better-sqlite3';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { WalCheckpointWorkerData } from './walCheckpointProtocol';
import type { WalCheckpointRow } from './walCheckpointRow';

if (!isMainThread && parentPort) {
  const port = parentPort;
  const { databaseFile, intervalMs, restartFrames, restartWaitMs } = workerData as WalCheckpointWorkerData;
  const db = new Database(databaseFile, { fileMustExist: true });
  db.pragma(`busy_timeout = ${restartWaitMs}`);
  // PASSIVE never waits for readers or the writer: it copies what it can now and comes back.
  const passive = db.prepare<[], WalCheckpointRow>('PRAGMA wal_checkpoint(PASSIVE)');
  // Under continuous ingest a PASSIVE checkpoint never catches the last commit, and SQLite only
  // rewinds the WAL once every frame is copied, so the file would grow without end. So once the
  // WAL is large, PASSIVE runs again until few frames are left, and RESTART copies those while
  // it holds the write lock (main's next commit waits that long) and makes the next commit
  // start the WAL from its beginning.
  const restart = db.prepare<[], WalCheckpointRow>('PRAGMA wal_checkpoint(RESTART)');
  const catchUpFrames = 4096;
  const timer = setInterval(() => {
    try {
      let result = passive.get();
      for (let round = 0; round < 16 && result && result.log >= restartFrames; round++) {
        if (result.log - result.checkpointed <= catchUpFrames) {
          restart.get();
          break;
        }
        result = passive.get();
      }
    } catch (error) {
      // SQLITE_BUSY: another checkpoint (a closing connection) or a long write holds on: next turn.
      if (!(error instanceof Error && 'code' in error && error.code === 'SQLITE_BUSY')) throw error;
    }
  }, intervalMs);
  port.postMessage('running');
  port.on('message', (message: 'stop') => {
    if (message !== 'stop') return;
    clearInterval(timer);
    db.close();
    port.close();
  });
}
