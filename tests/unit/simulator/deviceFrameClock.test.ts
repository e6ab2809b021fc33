import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FrameClock, type FrameTick } from '../../../src-main/simulator/frameClock';

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date('2025-01-01T00:00:00.000Z'));
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the simulator frame clock', () => {
  it('delivers consecutive frames at absolute deadlines, each showing its own nominal time', () => {
    const clock = new FrameClock();
    const ticks: FrameTick[] = [];
    const subscription = clock.subscribe(30, (tick) => ticks.push(tick));
    vi.advanceTimersByTime(1000);
    expect(ticks).toHaveLength(30);
    ticks.forEach((tick, index) => {
      expect(tick.frame).toBe(index + 1);
      expect(tick.timeMs).toBe(clock.timeOf(30, tick.frame));
      expect(clock.frameAt(30, tick.timeMs)).toBe(tick.frame);
    });
    subscription.dispose();
    vi.advanceTimersByTime(1000);
    expect(ticks).toHaveLength(30);
    expect(clock.size).toBe(0);
  });

  it('skips to the current frame after a stall instead of bursting, so there is no drift', () => {
    const clock = new FrameClock();
    const frames: number[] = [];
    let stalled = false;
    clock.subscribe(25, ({ frame }) => {
      frames.push(frame);
      if (!stalled && frame === 5) {
        stalled = true;
        vi.setSystemTime(Date.now() + 400); // the event loop was blocked for 10 frames
      }
    });
    vi.advanceTimersByTime(1000);
    expect(frames.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
    expect(frames[5]).toBeGreaterThanOrEqual(15);
    expect(clock.skipped).toBeGreaterThanOrEqual(9);
    expect(frames.at(-1)).toBe(clock.frameAt(25, Date.now()));
  });

  it('serves several rates from one timer and reports a listener error without stopping', () => {
    const errors: unknown[] = [];
    const clock = new FrameClock({ onError: (error) => errors.push(error) });
    const slow: number[] = [];
    const fast: number[] = [];
    clock.subscribe(10, ({ frame }) => slow.push(frame));
    clock.subscribe(30, ({ frame }) => {
      fast.push(frame);
      if (frame === 3) throw new Error('boom');
    });
    vi.advanceTimersByTime(1000);
    expect(slow).toHaveLength(10);
    expect(fast).toHaveLength(30);
    expect(errors).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(1);
  });
});
