import type { ExportError, ExportPhase } from '../../../src-shared/contract/exportContract';
import type { ExportJob } from './exportWriter';

/** What the export worker is started with. */
export interface ExportWorkerData {
  databaseFile: string;
  job: ExportJob;
  /** One Int32; main stores 1 to cancel (the worker's loop is synchronous, so no message could reach it). */
  cancelFlag: SharedArrayBuffer;
}

/** What the export worker tells main. */
export type ExportWorkerMessage =
  | {
      type: 'progress';
      phase: ExportPhase;
      rows: number;
      bytes: number;
      totalRows?: number;
      heapBytes: number;
    }
  | { type: 'done'; rows: number; bytes: number; sha256: string; manifestSha256?: string }
  | ({ type: 'failed'; cancelled: boolean } & ExportError);
