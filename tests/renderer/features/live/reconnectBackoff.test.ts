import { describe, expect, it } from 'vitest';
import { reconnectDelayMs } from '../../../../src-renderer/src/features/live/reconnectBackoff';

describe('reconnectDelayMs', () => {
  it('doubles from 1 s and stays at 15 s', () => {
    expect([1, 2, 3, 4, 5, 6, 40, 10_000].map((attempt) => reconnectDelayMs(attempt))).toEqual([
      1000, 2000, 4000, 8000, 15_000, 15_000, 15_000, 15_000,
    ]);
  });

  it('follows another policy', () => {
    expect([1, 2, 3].map((attempt) => reconnectDelayMs(attempt, { firstMs: 250, maxMs: 600 }))).toEqual([
      250, 500, 600,
    ]);
  });

  it('names what is wrong with bad input', () => {
    expect(() => reconnectDelayMs(0)).toThrow(/attempt: must be an integer of at least 1, got 0/);
    expect(() => reconnectDelayMs(1.5)).toThrow(/attempt/);
    expect(() => reconnectDelayMs(1, { firstMs: 0, maxMs: 10 })).toThrow(/policy: firstMs/);
  });
});
