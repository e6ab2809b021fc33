import { describe, expect, it } from 'vitest';
import { canonicalDateTime, parseLenientDateTime } from '../../../../src-main/core/nice/niceTime';

describe('parseLenientDateTime', () => {
  it('reads the variants SceneMarks carry', () => {
    const expected = Date.UTC(2026, 10, 22, 3, 4, 5, 120);
    expect(parseLenientDateTime('2026-11-22T03:04:05.120Z')).toBe(expected);
    expect(parseLenientDateTime('2026-11-22T03:04:05.12Z')).toBe(expected);
    expect(parseLenientDateTime('2026-11-22T05:04:05.120+02:00')).toBe(expected);
  });

  it('takes years below 100 as written, not as 19xx', () => {
    expect(new Date(parseLenientDateTime('0075-01-01T00:00:00Z') ?? Number.NaN).getUTCFullYear()).toBe(75);
    // Before the epoch, the canonical form leaves the text as received rather than rewrite it.
    expect(canonicalDateTime('0075-01-01T00:00:00Z')).toBe('0075-01-01T00:00:00Z');
    // Year 0 is a leap year in the proleptic Gregorian calendar; 1900 was not.
    expect(parseLenientDateTime('0000-02-29T00:00:00Z')).not.toBeNull();
  });

  it('refuses impossible dates and times', () => {
    expect(parseLenientDateTime('2026-02-30T00:00:00Z')).toBeNull();
    expect(parseLenientDateTime('2026-11-22T24:00:00Z')).toBeNull();
    expect(parseLenientDateTime('yesterday')).toBeNull();
  });
});
