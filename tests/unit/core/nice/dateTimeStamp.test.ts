import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatDateTimeStamp,
  normalizeDateTimeStamp,
  parseDateTimeStamp,
} from '../../../../src-main/core/nice/dateTimeStamp';
import { NiceProtocolError } from '../../../../src-main/core/nice/niceProtocolError';

describe('DateTimeStamp', () => {
  it('formats exactly YYYY-MM-DDThh:mm:ss.sssZ (24 characters, UTC)', () => {
    const text = formatDateTimeStamp(new Date(Date.UTC(2023, 4, 1, 12, 34, 56, 7)));
    expect(text).toBe('2023-05-01T12:34:56.007Z');
    expect(text).toHaveLength(24);
  });

  it('refuses invalid dates and years outside 0000–9999 when formatting', () => {
    expect(() => formatDateTimeStamp(new Date(Number.NaN))).toThrow(RangeError);
    expect(() => formatDateTimeStamp(new Date(Date.UTC(10000, 0, 1)))).toThrow(RangeError);
  });

  it('parses with and without milliseconds', () => {
    expect(parseDateTimeStamp('2024-02-29T23:59:59.999Z').getTime()).toBe(
      Date.UTC(2024, 1, 29, 23, 59, 59, 999),
    );
    expect(parseDateTimeStamp('2024-02-29T23:59:59Z').getTime()).toBe(Date.UTC(2024, 1, 29, 23, 59, 59));
    expect(normalizeDateTimeStamp('2000-01-01T00:00:00Z')).toBe('2000-01-01T00:00:00.000Z');
    expect(parseDateTimeStamp('0012-03-04T05:06:07.089Z').getUTCFullYear()).toBe(12);
  });

  it.each([
    ['Feb 29 in a common year', '2023-02-29T00:00:00.000Z'],
    ['Feb 30', '2024-02-30T00:00:00.000Z'],
    ['April 31', '2024-04-31T00:00:00.000Z'],
    ['month 13', '2024-13-01T00:00:00.000Z'],
    ['month 00', '2024-00-01T00:00:00.000Z'],
    ['day 00', '2024-01-00T00:00:00.000Z'],
    ['hour 24', '2024-01-01T24:00:00.000Z'],
    ['minute 60', '2024-01-01T00:60:00.000Z'],
    ['leap second', '2016-12-31T23:59:60.000Z'],
    ['no Z', '2024-01-01T00:00:00.000'],
    ['offset', '2024-01-01T00:00:00.000+00:00'],
    ['space separator', '2024-01-01 00:00:00.000Z'],
    ['lowercase t', '2024-01-01t00:00:00.000Z'],
    ['microseconds', '2024-01-01T00:00:00.000000Z'],
    ['two-digit millis', '2024-01-01T00:00:00.00Z'],
    ['Scenera colon millis', '2020-08-09T06:39:31:000000'],
    ['date only', '2024-01-01'],
    ['expanded year', '+002024-01-01T00:00:00.000Z'],
    ['empty', ''],
  ])('refuses %s, naming the field', (_name, value) => {
    expect(() => parseDateTimeStamp(value)).toThrow(
      expect.objectContaining({ code: 'MALFORMED', field: 'DateTimeStamp' }),
    );
  });

  it('round-trips every instant of years 0000–9999', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0000-01-01T00:00:00.000Z'),
          max: new Date('9999-12-31T23:59:59.999Z'),
          noInvalidDate: true,
        }),
        (date) => {
          const text = formatDateTimeStamp(date);
          expect(text).toHaveLength(24);
          expect(parseDateTimeStamp(text).getTime()).toBe(date.getTime());
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never crashes on random or mutated input', () => {
    const mutated = fc
      .tuple(
        fc.date({ noInvalidDate: true, min: new Date(0), max: new Date('9999-01-01') }),
        fc.nat(),
        fc.string({ maxLength: 2 }),
      )
      .map(([date, at, insert]) => {
        const text = date.toISOString();
        const index = at % text.length;
        return text.slice(0, index) + insert + text.slice(index + 1);
      });
    fc.assert(
      fc.property(fc.oneof(fc.string(), mutated, fc.jsonValue({ maxDepth: 2 })), (input) => {
        try {
          if (Number.isNaN(parseDateTimeStamp(input).getTime())) throw new Error('invalid Date returned');
        } catch (error) {
          if (!(error instanceof NiceProtocolError) || error.field !== 'DateTimeStamp') throw error;
        }
      }),
      { numRuns: 300 },
    );
  });
});
