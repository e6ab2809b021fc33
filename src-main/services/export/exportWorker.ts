// Entry of the export worker thread: opens the database file read-only on its own connection,
// streams one export into a file and reports progress, so main's event loop never waits.
// Imported on the main thread (as the plain-Node load test does) it does nothing.
import Database from 'better-sqlite3';
import { getHeapStatistics } from 'node:v8';
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { ExportWorkerData, ExportWorkerMessage } from './exportWorkerProtocol';
import { writeExport } from './exportWriter';
import { describeExportError } from './exportErrors';

/** Runs the export described by `data` and reports to `port`. */
function runExportWorker(port: MessagePort, data: ExportWorkerData): void {
  const cancelFlag = new Int32Array(data.cancelFlag);
  const post = (message: ExportWorkerMessage): void => port.postMessage(message);
  try {
    const db = new Database(data.databaseFile, { readonly: true, fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      // Every page is read once, in one pass: a small cache keeps the worker's memory flat.
      db.pragma('cache_size = -2000');
      // One read transaction: every query of the export sees the same snapshot while ingest goes on.
      db.exec('BEGIN');
      const outcome = writeExport(db, data.job, {
        isCancelled: () => Atomics.load(cancelFlag, 0) !== 0,
        progress: (update) =>
          post({ type: 'progress', ...update, heapBytes: getHeapStatistics().used_heap_size }),
      });
      post({ type: 'done', ...outcome });
    } finally {
      db.close();
    }
  } catch (error) {
    post({ type: 'failed', ...describeExportError(error, data.job.outputPath) });
  }
}

if (!isMainThread && parentPort) runExportWorker(parentPort, workerData as ExportWorkerData);
