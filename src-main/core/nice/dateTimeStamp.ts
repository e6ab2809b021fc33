import { NiceProtocolError } from './niceProtocolError';

/** Length of a DateTimeStamp as emitted (v0.9 §4.1: `YYYY-MM-DDThh:mm:ss.sssZ`, 24). */
export const DATE_TIME_STAMP_LENGTH = 24;

/** `YYYY-MM-DDThh:mm:ss(.sss)?Z`: the v0.9 §4.1 form, milliseconds optional on input (profile). */
const STAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{3}))?Z$/;

/**
 * Formats an instant as a NICE DateTimeStamp, exactly `YYYY-MM-DDThh:mm:ss.sssZ` in UTC
 * (v0.9 §4.1, 24 characters); throws RangeError for invalid dates or years outside 0000–9999.
 */
export function formatDateTimeStamp(date: Date): string {
  const time = date.getTime();
  if (Number.isNaN(time)) throw new RangeError('invalid Date');
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError('a DateTimeStamp needs a year from 0000 to 9999');
  return date.toISOString();
}

/** Whether a year is a Gregorian leap year. */
function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Parses a DateTimeStamp strictly as `YYYY-MM-DDThh:mm:ss.sssZ` (v0.9 §4.1), also accepting it
 * without milliseconds (profile), and refuses impossible dates and times (Feb 30, 24:00, :60);
 * throws NiceProtocolError('MALFORMED') naming `field`.
 */
export function parseDateTimeStamp(value: unknown, field = 'DateTimeStamp'): Date {
  if (typeof value !== 'string') throw new NiceProtocolError('MALFORMED', 'expected a string', field);
  const match = value.length <= DATE_TIME_STAMP_LENGTH ? STAMP.exec(value) : null;
  if (!match) throw new NiceProtocolError('MALFORMED', 'expected YYYY-MM-DDThh:mm:ss.sssZ', field);
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const millis = match[7] === undefined ? 0 : Number(match[7]);
  const monthDays = [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (month < 1 || month > 12 || day < 1 || day > (monthDays[month - 1] ?? 0)) {
    throw new NiceProtocolError('MALFORMED', 'no such calendar date', field);
  }
  if (hour > 23 || minute > 59 || second > 59) {
    throw new NiceProtocolError('MALFORMED', 'no such time of day', field);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return date;
}

/**
 * Normalises a DateTimeStamp to the 24-character form we emit (adds `.000` when the input had
 * no milliseconds); throws like parseDateTimeStamp.
 */
export function normalizeDateTimeStamp(value: unknown, field = 'DateTimeStamp'): string {
  return formatDateTimeStamp(parseDateTimeStamp(value, field));
}
