import type { Worker } from 'node:worker_threads';
import { startWorker, workerEntryBeside, type WorkerEntry } from '../workers/workerEntry';
import { vacuumFailure } from './vacuumFailure';
import type { VacuumWorkerData, VacuumWorkerMessage } from './vacuumWorkerProtocol';

/** The VACUUM worker beside this module (`vacuumWorker.js` in a build, an electron.vite.config.ts entry). */
export function defaultVacuumWorkerEntry(): WorkerEntry {
  return workerEntryBeside(import.meta.url, 'vacuumWorker');
}

/** How a worker VACUUM ended. */
export interface VacuumWorkerOutcome {
  rewriteMs: number;
  /** The log holding the rewritten file was copied back into it (the file has shrunk). */
  walFolded: boolean;
  walTruncated: boolean;
}

/** What main does at the worker's turning points. */
export interface VacuumWorkerHooks {
  /** The rewrite committed: the write lock is free again (the log is not folded in yet). */
  onRewritten(): void;
  /** The log is folded in; the worker truncates it once `vacuumFlag.truncate` is set. */
  onFolded(): void;
}

/**
 * Runs one VACUUM in a worker thread, calling `hooks` as it goes. Resolves when the worker has
 * exited; rejects with the ContractFailure naming the cause when the VACUUM did not happen.
 */
export function runVacuumWorker(
  entry: WorkerEntry,
  data: VacuumWorkerData,
  hooks: VacuumWorkerHooks,
): Promise<VacuumWorkerOutcome> {
  return new Promise((resolve, reject) => {
    let worker: Worker;
    try {
      worker = startWorker(entry, { workerData: data });
    } catch (error) {
      reject(vacuumFailure('WORKER', `cannot start the VACUUM worker: ${(error as Error).message}`));
      return;
    }
    let rewriteMs: number | undefined;
    let final: VacuumWorkerMessage | undefined;
    let crash: Error | undefined;
    worker.on('message', (message: VacuumWorkerMessage) => {
      if (message.type === 'rewritten') {
        rewriteMs = message.durationMs;
        hooks.onRewritten();
      } else if (message.type === 'folded') {
        hooks.onFolded();
      } else {
        final = message;
      }
    });
    worker.on('error', (error) => (crash = error));
    worker.once('exit', () => {
      if (final?.type === 'failed') reject(vacuumFailure(final.code, final.message));
      else if (rewriteMs !== undefined)
        resolve({
          rewriteMs,
          walFolded: final?.type === 'done' && final.walFolded,
          walTruncated: final?.type === 'done' && final.walTruncated,
        });
      else
        reject(
          vacuumFailure(
            'WORKER',
            `the VACUUM worker stopped unexpectedly${crash ? `: ${crash.message}` : ''}`,
          ),
        );
    });
  });
}
