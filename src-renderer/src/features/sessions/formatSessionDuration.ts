/**
 * A session's length for the history table, as precise as it is useful: milliseconds under a
 * second, tenths of seconds under a minute, then minutes and seconds, then hours and minutes.
 */
export function formatSessionDuration(durationMs: number): string {
  if (durationMs < 0) return '—';
  if (durationMs < 1000) return `${Math.round(durationMs)} ms`;
  if (durationMs < 60_000) return `${(Math.floor(durationMs / 100) / 10).toFixed(1)} s`;
  const totalSeconds = Math.floor(durationMs / 1000);
  if (totalSeconds < 3600) {
    return `${Math.floor(totalSeconds / 60)} min ${String(totalSeconds % 60).padStart(2, '0')} s`;
  }
  const totalMinutes = Math.floor(totalSeconds / 60);
  return `${Math.floor(totalMinutes / 60)} h ${String(totalMinutes % 60).padStart(2, '0')} min`;
}
