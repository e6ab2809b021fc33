import type { TimeDisplay } from '../../../src-shared/contract/settingsContract';

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** `HH:MM:SS.mmm` of an instant, in local time or UTC (then suffixed `Z`), as the operator chose. */
export function formatClock(at: Date | string, display: TimeDisplay, withMillis = true): string {
  const date = typeof at === 'string' ? new Date(at) : at;
  const utc = display === 'utc';
  const parts = utc
    ? [date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), date.getUTCMilliseconds()]
    : [date.getHours(), date.getMinutes(), date.getSeconds(), date.getMilliseconds()];
  const [h = 0, m = 0, s = 0, ms = 0] = parts;
  return `${pad(h)}:${pad(m)}:${pad(s)}${withMillis ? `.${pad(ms, 3)}` : ''}${utc ? 'Z' : ''}`;
}

/** `YYYY-MM-DD HH:MM:SS` of an instant, in local time or UTC. */
export function formatDateTime(at: Date | string, display: TimeDisplay): string {
  const date = typeof at === 'string' ? new Date(at) : at;
  const utc = display === 'utc';
  const y = utc ? date.getUTCFullYear() : date.getFullYear();
  const mo = (utc ? date.getUTCMonth() : date.getMonth()) + 1;
  const d = utc ? date.getUTCDate() : date.getDate();
  return `${y}-${pad(mo)}-${pad(d)} ${formatClock(date, display, false)}`;
}

/** How long before `nowMs` an instant was, in the largest whole unit: `42 s ago`, `3 h ago`. */
export function formatAgo(atMs: number, nowMs: number): string {
  const seconds = Math.max(0, Math.round((nowMs - atMs) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/** A span of milliseconds in its largest fitting unit: `30 s`, `15 min`, `2 h`, `1 d`. */
export function formatSpan(ms: number): string {
  if (ms < 60_000) return `${ms / 1000} s`;
  if (ms < 3_600_000) return `${ms / 60_000} min`;
  if (ms < 86_400_000) return `${ms / 3_600_000} h`;
  return `${ms / 86_400_000} d`;
}
