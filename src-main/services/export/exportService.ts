import { randomUUID } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import type { Worker } from 'node:worker_threads';
import type {
  CancelExportResponse,
  ExportError,
  ExportProgress,
  StartExportRequest,
  StartExportResponse,
} from '../../../src-shared/contract/exportContract';
import type { Disposable } from '../../core/util/disposable';
import type { Logger } from '../../core/util/logger';
import { ContractFailure } from '../contract/contractFailure';
import { startWorker, workerEntryBeside, type WorkerEntry } from '../workers/workerEntry';
import { describeExportError } from './exportErrors';
import type { ExportWorkerData, ExportWorkerMessage } from './exportWorkerProtocol';
import { suggestedExportName, type DestinationProvider, type ExportDestination } from './destinationProvider';

/** Where the export worker's entry is (tests point elsewhere). */
export type ExportWorkerLocation = WorkerEntry;

/** The worker beside this module: `exportWorker.ts` from source, `exportWorker.js` from a build. */
export function defaultExportWorkerLocation(): ExportWorkerLocation {
  return workerEntryBeside(import.meta.url, 'exportWorker');
}

/**
 * A small young generation: an export allocates short-lived objects at a high rate, and a large
 * nursery would only add to the process's memory (the evidence index, ~30 MB).
 */
const exportWorkerLimits = { maxYoungGenerationSizeMb: 8 };

/** What the export service needs. */
export interface ExportServiceOptions {
  /** The database file the worker opens read-only (exports cannot read `:memory:`). */
  databaseFile: string;
  destinations: DestinationProvider;
  /** Receives every progress event (the composition root forwards them to `export:progressed`). */
  publish: (progress: ExportProgress) => void;
  logger: Logger;
  worker?: ExportWorkerLocation;
  /** Exports allowed at once (default 2). */
  maxRunning?: number;
  now?: () => Date;
}

/** How an export ended, with the worker's peak heap (for the benchmark). */
export interface ExportSettlement {
  progress: ExportProgress;
  workerPeakHeapBytes: number;
}

interface RunningExport {
  worker: Worker;
  cancelFlag: Int32Array;
  settled: Promise<ExportSettlement>;
}

/**
 * Runs exports in worker threads: asks the destination port where to write, starts a worker
 * that streams rows from its own read-only connection into `<path>.<id>.partial`, forwards
 * progress, and on success renames the file into place; on failure or cancel it removes the
 * partial file. Main only relays messages, so it stays responsive.
 */
export class ExportService implements Disposable {
  private readonly running = new Map<string, RunningExport>();
  private readonly worker: ExportWorkerLocation;
  private readonly maxRunning: number;
  private readonly now: () => Date;

  constructor(private readonly options: ExportServiceOptions) {
    this.worker = options.worker ?? defaultExportWorkerLocation();
    this.maxRunning = options.maxRunning ?? 2;
    this.now = options.now ?? (() => new Date());
  }

  /** Starts an export; answers once the destination is chosen and the worker started. */
  async start(request: StartExportRequest): Promise<StartExportResponse> {
    if (this.options.databaseFile === ':memory:') {
      throw new ContractFailure(
        'UNAVAILABLE',
        'exports need a database file; this console runs on an in-memory database',
      );
    }
    if (this.running.size >= this.maxRunning) {
      throw new ContractFailure(
        'CONFLICT',
        `${this.running.size} exports are already running; wait or cancel one`,
      );
    }
    const destination = await this.options.destinations.open({
      suggestedName: suggestedExportName(request.format, this.now()),
      format: request.format,
    });
    if (!destination) return { started: false, reason: 'destinationDismissed' };
    const exportId = randomUUID();
    this.launch(exportId, request, destination);
    return { started: true, exportId, fileName: destination.fileName };
  }

  /** Asks a running export to stop; it removes its partial file and reports `cancelled`. */
  cancel(exportId: string): CancelExportResponse {
    const running = this.running.get(exportId);
    if (!running) return { cancelled: false };
    Atomics.store(running.cancelFlag, 0, 1);
    return { cancelled: true };
  }

  /** Resolves with the final event of a running export (tests, benchmark, shutdown). */
  settled(exportId: string): Promise<ExportSettlement> {
    return this.running.get(exportId)?.settled ?? Promise.reject(new Error(`no running export ${exportId}`));
  }

  /** Cancels every running export and waits until their partial files are gone. */
  async disposeAsync(): Promise<void> {
    const pending = [...this.running.values()].map((running) => running.settled);
    for (const id of this.running.keys()) this.cancel(id);
    await Promise.all(pending);
  }

  dispose(): void {
    void this.disposeAsync();
  }

  private launch(exportId: string, request: StartExportRequest, destination: ExportDestination): void {
    const started = performance.now();
    const partialPath = `${destination.path}.${exportId.slice(0, 8)}.partial`;
    const cancelFlag = new SharedArrayBuffer(4);
    const workerData: ExportWorkerData = {
      databaseFile: this.options.databaseFile,
      job: { format: request.format, filter: request.filter, outputPath: partialPath },
      cancelFlag,
    };
    const worker = startWorker(this.worker, { workerData, resourceLimits: exportWorkerLimits });
    const base = { exportId, format: request.format };
    let last: ExportProgress = { ...base, phase: 'preparing', rows: 0, bytes: 0 };
    let peakHeap = 0;
    let final: ExportWorkerMessage | undefined;
    const publish = (progress: ExportProgress): void => {
      last = progress;
      this.options.publish(progress);
    };

    let renamed = false;
    const finish = async (): Promise<ExportSettlement> => {
      try {
        if (final?.type === 'done') {
          await rename(partialPath, destination.path);
          renamed = true;
          const summary = {
            rows: final.rows,
            bytes: final.bytes,
            sha256: final.sha256,
            ...(final.manifestSha256 ? { manifestSha256: final.manifestSha256 } : {}),
            durationMs: Math.round(performance.now() - started),
          };
          const { downloadUrl } = await destination.completed(summary);
          publish({
            ...base,
            phase: 'done',
            rows: final.rows,
            bytes: final.bytes,
            totalRows: last.totalRows,
            summary: { ...summary, fileName: destination.fileName, ...(downloadUrl ? { downloadUrl } : {}) },
          });
          this.options.logger.log(
            'info',
            'export',
            `export ${exportId} wrote ${final.rows} rows to ${destination.path}`,
          );
          return { progress: last, workerPeakHeapBytes: peakHeap };
        }
        const failure =
          final?.type === 'failed'
            ? final
            : {
                cancelled: false,
                code: 'INTERNAL' as const,
                message: 'the export worker stopped unexpectedly',
              };
        return await this.abandon(partialPath, destination, failure, { ...last, ...base }, publish, peakHeap);
      } catch (error) {
        const failure = describeExportError(error, destination.path);
        // Only a file this export put in place is removed; never what was at the path before.
        if (renamed) await rm(destination.path, { force: true }).catch(() => undefined);
        return await this.abandon(partialPath, destination, failure, { ...last, ...base }, publish, peakHeap);
      } finally {
        this.running.delete(exportId);
      }
    };

    const settled = new Promise<ExportSettlement>((resolve) => {
      worker.on('message', (message: ExportWorkerMessage) => {
        if (message.type === 'progress') {
          peakHeap = Math.max(peakHeap, message.heapBytes);
          const { phase, rows, bytes, totalRows } = message;
          publish({ ...base, phase, rows, bytes, ...(totalRows !== undefined ? { totalRows } : {}) });
        } else {
          final = message;
        }
      });
      worker.on('error', (error) => {
        this.options.logger.log(
          'error',
          'export',
          `export worker ${exportId} crashed`,
          error.stack ?? error.message,
        );
        final ??= {
          type: 'failed',
          cancelled: false,
          code: 'INTERNAL',
          message: 'the export worker crashed',
        };
      });
      worker.once('exit', () => resolve(finish()));
    });
    this.running.set(exportId, { worker, cancelFlag: new Int32Array(cancelFlag), settled });
  }

  private async abandon(
    partialPath: string,
    destination: ExportDestination,
    failure: ExportError & { cancelled: boolean },
    last: ExportProgress,
    publish: (progress: ExportProgress) => void,
    peakHeap: number,
  ): Promise<ExportSettlement> {
    await rm(partialPath, { force: true }).catch((error: unknown) =>
      this.options.logger.log(
        'warn',
        'export',
        `cannot remove the partial export ${partialPath}: ${String(error)}`,
      ),
    );
    destination.abandoned();
    const { cancelled, code, message } = failure;
    const error: ExportError = { code, message };
    const event: ExportProgress = {
      exportId: last.exportId,
      format: last.format,
      phase: cancelled ? 'cancelled' : 'failed',
      rows: last.rows,
      bytes: last.bytes,
      ...(last.totalRows !== undefined ? { totalRows: last.totalRows } : {}),
      ...(cancelled ? {} : { error }),
    };
    publish(event);
    if (!cancelled)
      this.options.logger.log('warn', 'export', `export ${last.exportId} failed: ${error.message}`);
    return { progress: event, workerPeakHeapBytes: peakHeap };
  }
}

/** The destination port of a composition without one: every export answers UNAVAILABLE. */
export const noExportDestinations: DestinationProvider = {
  open: () => Promise.reject(new ContractFailure('UNAVAILABLE', 'this console has no place to save exports')),
};
