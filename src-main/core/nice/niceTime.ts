/**
 * Lenient reading of the date-times found in SceneMarks and SceneModes. The profile emits
 * exactly `YYYY-MM-DDThh:mm:ss.sssZ` (v0.9 §4.1); on input it accepts missing millis, more
 * than three fraction digits, Scenera's `hh:mm:ss:ffffff` form, a missing `Z` (read as UTC)
 * and an explicit offset (digest §6.8).
 */
const lenientDateTime =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.:](\d{1,9}))?(Z|z|[+-]\d{2}:?\d{2})?$/;

/** Value of the ASCII digit at `index` of `text`, or -1 when it is not a digit. */
function digitAt(text: string, index: number): number {
  const code = text.charCodeAt(index) - 48;
  return code >= 0 && code <= 9 ? code : -1;
}

/** Value of the `count` ASCII digits from `index`, or -1 when any is not a digit. */
function digitsAt(text: string, index: number, count: number): number {
  let value = 0;
  for (let i = index; i < index + count; i++) {
    const digit = digitAt(text, i);
    if (digit < 0) return -1;
    value = value * 10 + digit;
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

/**
 * Reads the canonical form `YYYY-MM-DDThh:mm:ss.sssZ` (what devices almost always send) without
 * the regex: epoch milliseconds, null when it names no such date or time, undefined when the
 * text is not in exactly that form (or the year is below 100) and needs the lenient reading.
 * Gives what parseLenientDateTime gives for the same text.
 */
export function parseCanonicalDateTime(value: string): number | null | undefined {
  if (
    value.length !== 24 ||
    value.charCodeAt(4) !== 45 || // -
    value.charCodeAt(7) !== 45 ||
    value.charCodeAt(10) !== 84 || // T
    value.charCodeAt(13) !== 58 || // :
    value.charCodeAt(16) !== 58 ||
    value.charCodeAt(19) !== 46 || // .
    value.charCodeAt(23) !== 90 // Z
  )
    return undefined;
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 5, 2);
  const day = digitsAt(value, 8, 2);
  const hour = digitsAt(value, 11, 2);
  const minute = digitsAt(value, 14, 2);
  const second = digitsAt(value, 17, 2);
  const millis = digitsAt(value, 20, 3);
  // Date.UTC reads years 0–99 as 1900–1999: leave those to the lenient reading.
  if (year < 100 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || millis < 0)
    return undefined;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  return Date.UTC(year, month - 1, day, hour, minute, second, millis);
}

/** Milliseconds since the epoch of a lenient NICE date-time, or null when it is not one. */
export function parseLenientDateTime(value: string): number | null {
  const canonical = parseCanonicalDateTime(value);
  if (canonical !== undefined) return canonical;
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
  // Text already in canonical form formats back to itself (3 fraction digits are exact millis),
  // and an impossible date in that form is returned unchanged either way.
  if (parseCanonicalDateTime(value) !== undefined) return value;
  const time = parseLenientDateTime(value.trim());
  if (time === null || time < 0 || time > 253402300799999) return value;
  return formatNiceDateTime(time);
}
