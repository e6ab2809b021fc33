/**
 * Lenient reading of the date-times found in SceneMarks and SceneModes. The profile emits
 * exactly `YYYY-MM-DDThh:mm:ss.sssZ` (v0.9 §4.1); on input it accepts missing millis, more
 * than three fraction digits, Scenera's `hh:mm:ss:ffffff` form, a missing `Z` (read as UTC)
 * and an explicit offset (digest §6.8).
 */
const lenientDateTime =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.:](\d{1,9}))?(Z|z|[+-]\d{2}:?\d{2})?$/;

/** Milliseconds since the epoch of a lenient NICE date-time, or null when it is not one. */
export function parseLenientDateTime(value: string): number | null {
  const match = lenientDateTime.exec(value);
  if (!match) return null;
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  const parts = [year, month, day, hour, minute, second].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [y, mo, d, h, mi, s] = parts;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const millis = fraction ? Math.floor(Number(`0.${fraction}`) * 1000) : 0;
  // Date.UTC would read years 0–99 as 1900–1999; setUTCFullYear takes the year as written.
  const check = new Date(0);
  check.setUTCFullYear(y, mo - 1, d);
  check.setUTCHours(h, mi, s, millis);
  let time = check.getTime();
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1) return null;
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4));
    if (offsetMinutes > 14 * 60) return null;
    time -= sign * offsetMinutes * 60_000;
  }
  return time;
}

/** The canonical 24-character UTC form `YYYY-MM-DDThh:mm:ss.sssZ` of an epoch time. */
export function formatNiceDateTime(time: number): string {
  return new Date(time).toISOString();
}

/** A lenient date-time string in canonical form; anything else is returned unchanged. */
export function canonicalDateTime(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const time = parseLenientDateTime(value.trim());
  if (time === null || time < 0 || time > 253402300799999) return value;
  return formatNiceDateTime(time);
}
