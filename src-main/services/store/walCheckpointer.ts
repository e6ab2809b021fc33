import type Database from 'better-sqlite3';
import type { Worker } from 'node:worker_threads';
import type { Disposable } from '../../core/util/disposable';
import type { Logger } from '../../core/util/logger';
import { startWorker, workerEntryBeside, type WorkerEntry } from '../workers/workerEntry';
import type { WalCheckpointWorkerData } from './walCheckpointProtocol';

/** SQLite's own default: checkpoint when the WAL reaches this many pages. */
const defaultAutoCheckpointPages = 1000;

/** Options of the checkpointer. */
export interface WalCheckpointerOptions {
  db: Database.Database;
  databaseFile: string;
  logger: Logger;
  /** Time between two PASSIVE checkpoints (default 100 ms). */
  intervalMs?: number;
  /** WAL frames (pages) beyond which the log is rewound (default 16,384: 64 MiB of 4 KiB pages). */
  restartFrames?: number;
  entry?: WorkerEntry;
}

/**
 * Moves WAL checkpoints off main's connection (issue #5 ingest target). SQLite checkpoints
 * automatically inside the commit that crosses 1,000 WAL pages; with synchronous=NORMAL that
 * commit then copies the pages and fsyncs twice, which made one ingest batch in a few ten times
 * slower than the rest. Here main's connection never checkpoints and a worker thread runs a
 * PASSIVE checkpoint every `intervalMs` on its own connection, and a RESTART one (briefly holding
 * the write lock) once the WAL passes `restartFrames`. If the thread dies, main's
 * connection takes automatic checkpoints back, so the WAL can never grow without bound.
 * `:memory:` databases have no WAL and get no thread.
 */
export class WalCheckpointer implements Disposable {
  private readonly worker: Worker | undefined;
  private stopped = false;
  /** Resolves true once the thread checkpoints, false when it never will (tests wait on it). */
  readonly running: Promise<boolean>;

  constructor(private readonly options: WalCheckpointerOptions) {
    if (options.databaseFile === ':memory:') {
      this.worker = undefined;
      this.running = Promise.resolve(false);
      return;
    }
    const workerData: WalCheckpointWorkerData = {
      databaseFile: options.databaseFile,
      intervalMs: options.intervalMs ?? 100,
      restartFrames: options.restartFrames ?? 16_384,
      restartWaitMs: 200,
    };
    const worker = startWorker(options.entry ?? workerEntryBeside(import.meta.url, 'walCheckpointWorker'), {
      workerData,
    });
    worker.unref();
    options.db.pragma('wal_autocheckpoint = 0');
    worker.on('error', (error) => this.lost(error));
    worker.on('exit', (code) => this.lost(new Error(`exited with code ${code}`)));
    this.running = new Promise((resolve) => {
      worker.once('message', (message) => resolve(message === 'running'));
      worker.once('exit', () => resolve(false));
    });
    this.worker = worker;
  }

  /** Whether checkpoints run on the thread (false for `:memory:` and after the thread died). */
  get active(): boolean {
    return this.worker !== undefined && !this.stopped;
  }

  dispose(): void {
    if (this.stopped || !this.worker) return;
    this.stopped = true;
    this.worker.postMessage('stop');
    this.restoreAutoCheckpoint();
  }

  private lost(error: Error): void {
    if (this.stopped) return;
    this.stopped = true;
    this.options.logger.log(
      'warn',
      'database',
      `the WAL checkpoint thread stopped (${error.message}); main's connection checkpoints again`,
      error.stack,
    );
    this.restoreAutoCheckpoint();
  }

  private restoreAutoCheckpoint(): void {
    if (this.options.db.open) this.options.db.pragma(`wal_autocheckpoint = ${defaultAutoCheckpointPages}`);
  }
}
