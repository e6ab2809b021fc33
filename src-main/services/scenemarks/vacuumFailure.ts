import { ContractFailure } from '../contract/contractFailure';

/**
 * Turns what stopped a VACUUM (a SQLite or Node error code and its message) into the failure the
 * operator sees, naming the cause. A failed VACUUM rolls back, so every message says the history
 * is intact.
 */
export function vacuumFailure(code: string, message: string): ContractFailure {
  const intact = 'the history is intact';
  if (/^SQLITE_(BUSY|LOCKED)/.test(code))
    return new ContractFailure(
      'CONFLICT',
      `VACUUM could not run: the database is locked by another connection (${code}); ${intact}, try again later`,
    );
  // SQLite reports ENOSPC (on the file, its log or the temporary copy) as SQLITE_FULL.
  if (code === 'SQLITE_FULL' || code === 'ENOSPC')
    return new ContractFailure(
      'UNAVAILABLE',
      `VACUUM failed: the disk is full (${code}); it needs free space for a temporary copy of the database; ${intact}`,
    );
  if (
    code.startsWith('SQLITE_IOERR') ||
    code.startsWith('SQLITE_CANTOPEN') ||
    code.startsWith('SQLITE_READONLY')
  )
    return new ContractFailure(
      'UNAVAILABLE',
      `VACUUM failed: the database file cannot be written (${code}: ${message}); ${intact}`,
    );
  return new ContractFailure('INTERNAL', `VACUUM failed (${code}): ${message}; ${intact}`);
}

/** The code and message of anything thrown (SQLite errors carry `code`). */
export function describeThrown(error: unknown): { code: string; message: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return {
    code: typeof code === 'string' ? code : 'UNKNOWN',
    message: error instanceof Error ? error.message : String(error),
  };
}
