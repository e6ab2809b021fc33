// Entry of the VACUUM worker thread: rewrites an old-format database (auto_vacuum NONE) on its
// own connection, switching it to incremental auto-vacuum, so main's event loop never waits for
// the minutes a multi-GB rewrite takes. Imported on the main thread (as the plain-Node load test
// does) it does nothing.
import Database from 'better-sqlite3';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { WalCheckpointRow } from '../store/walCheckpointRow';
import { describeThrown } from './vacuumFailure';
import { vacuumFlag, type VacuumWorkerData, type VacuumWorkerMessage } from './vacuumWorkerProtocol';

/** Pause between two attempts to fold the log back in while a reader holds an older snapshot. */
const foldRetryMs = 100;
/**
 * Attempts at truncating the folded log (ingest is held meanwhile); each gives up at once when
 * busy. The WAL checkpointer thread takes the checkpoint lock every 100 ms for a moment, so a
 * second of attempts always finds a gap.
 */
const truncateAttempts = 50;
const truncateRetryMs = 20;
/** Longest wait for main to hold ingest before truncating; without it, the log stays as it is. */
const truncateWaitMs = 5_000;

/** Runs the VACUUM described by `data` and reports to `port`. */
function runVacuumWorker(port: MessagePort, data: VacuumWorkerData): void {
  const flags = new Int32Array(data.flags);
  const cancelled = (): boolean => Atomics.load(flags, vacuumFlag.cancel) !== 0;
  const sleep = (ms: number): void => void Atomics.wait(flags, vacuumFlag.cancel, 0, ms);
  const post = (message: VacuumWorkerMessage): void => port.postMessage(message);
  let db: Database.Database | undefined;
  try {
    db = new Database(data.databaseFile, { fileMustExist: true });
    db.pragma(`busy_timeout = ${data.lockWaitMs}`);
    // In WAL mode VACUUM writes the whole new file into the log. The commit must not fold it
    // back in (that would keep the write lock, and ingest waiting): it is folded in below.
    db.pragma('wal_autocheckpoint = 0');
    // Taken by the VACUUM: from now on the file frees pages in short steps on main.
    db.pragma('auto_vacuum = INCREMENTAL');
    const started = performance.now();
    db.exec('VACUUM');
    post({ type: 'rewritten', durationMs: performance.now() - started });
  } catch (error) {
    db?.close();
    post({ type: 'failed', ...describeThrown(error) });
    return;
  }
  let walFolded = false;
  let walTruncated = false;
  try {
    // PASSIVE takes no write lock, so main's ingest commits go on meanwhile; a reader on an
    // older snapshot (an export) keeps the copy waiting until it ends. Busy (log and
    // checkpointed -1) means the checkpointer thread is copying it right now: ask again.
    db.pragma('busy_timeout = 0');
    while (!cancelled()) {
      const [row] = db.pragma('wal_checkpoint(PASSIVE)') as WalCheckpointRow[];
      if (row && row.busy === 0 && row.log === row.checkpointed) {
        walFolded = true;
        break;
      }
      sleep(foldRetryMs);
    }
    // Truncating holds the write lock while it syncs and cuts the log (a long moment for a big
    // log), so main holds ingest first; the worker never waits for another writer or reader.
    if (walFolded) {
      post({ type: 'folded' });
      Atomics.wait(flags, vacuumFlag.truncate, 0, truncateWaitMs);
    }
    const mayTruncate = (): boolean => Atomics.load(flags, vacuumFlag.truncate) === 1 && !cancelled();
    for (let attempt = 0; walFolded && attempt < truncateAttempts && mayTruncate(); attempt += 1) {
      const [row] = db.pragma('wal_checkpoint(TRUNCATE)') as WalCheckpointRow[];
      if (row?.busy === 0) {
        walTruncated = true;
        break;
      }
      sleep(truncateRetryMs);
    }
  } catch {
    // The VACUUM is committed either way; main reports the log as not truncated.
  } finally {
    db.close();
  }
  post({ type: 'done', walFolded, walTruncated });
}

if (!isMainThread && parentPort) runVacuumWorker(parentPort, workerData as VacuumWorkerData);
