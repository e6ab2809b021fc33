import type { ExportError } from '../../../src-shared/contract/exportContract';
import { EvidenceTooLargeError, ExportCancelledError } from './exportWriter';

/**
 * Turns what stopped an export into a code and a sentence for the operator: ENOSPC becomes
 * DISK_FULL, other file-system errors WRITE_FAILED, SQLite errors DATABASE.
 */
export function describeExportError(error: unknown, file: string): ExportError & { cancelled: boolean } {
  if (error instanceof ExportCancelledError)
    return { cancelled: true, code: 'INTERNAL', message: 'cancelled' };
  if (error instanceof EvidenceTooLargeError)
    return { cancelled: false, code: 'WRITE_FAILED', message: error.message };
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ENOSPC') {
    return {
      cancelled: false,
      code: 'DISK_FULL',
      message: `the disk is full: no space left to write ${file}; the partial file was removed`,
    };
  }
  if (typeof code === 'string' && code.startsWith('SQLITE_')) {
    return { cancelled: false, code: 'DATABASE', message: `cannot read the database: ${message}` };
  }
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    return {
      cancelled: false,
      code: 'WRITE_FAILED',
      message: `cannot write the export (${code}): ${message}`,
    };
  }
  return { cancelled: false, code: 'INTERNAL', message: `export failed: ${message}` };
}
