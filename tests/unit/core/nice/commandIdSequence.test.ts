import { describe, expect, it } from 'vitest';
import { CommandIdSequence } from '../../../../src-main/core/nice/commandIdSequence';

describe('CommandIdSequence', () => {
  it('counts from 0, one per request (v0.9 §4.1)', () => {
    const sequence = new CommandIdSequence();
    expect([sequence.next(), sequence.next(), sequence.next()]).toEqual([0, 1, 2]);
    expect(sequence.peek()).toBe(3);
  });

  it('resumes from a persisted start and refuses bad starts', () => {
    expect(new CommandIdSequence(41).next()).toBe(41);
    expect(() => new CommandIdSequence(-1)).toThrow(RangeError);
    expect(() => new CommandIdSequence(1.5)).toThrow(RangeError);
  });

  it('stops instead of losing precision past MAX_SAFE_INTEGER', () => {
    const sequence = new CommandIdSequence(Number.MAX_SAFE_INTEGER);
    expect(sequence.next()).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => sequence.next()).toThrow(RangeError);
  });
});
