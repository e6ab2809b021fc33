/**
 * Time left of an export from its rows so far, assuming the rate so far holds; undefined until
 * there is a rate to go by (no rows yet, or no total known).
 */
export function exportTimeLeftMs(
  rows: number,
  totalRows: number | undefined,
  elapsedMs: number,
): number | undefined {
  if (totalRows === undefined || rows <= 0 || elapsedMs <= 0) return undefined;
  return Math.max(0, ((totalRows - rows) * elapsedMs) / rows);
}

/** `12 s`, `3 min 20 s`: how a time left reads. */
export function formatTimeLeft(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
