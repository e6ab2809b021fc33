import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventChannel } from '../../../../src-shared/contract/channels';
import type { LogEntry } from '../../../../src-shared/contract/diagnosticsContract';
import { defaultSettings } from '../../../../src-shared/contract/settingsContract';
import { EventBatcher } from '../../../../src-main/services/contract/eventBatcher';

function entry(seq: number): LogEntry {
  return { seq, time: new Date(0).toISOString(), level: 'info', source: 'test', message: `entry ${seq}` };
}

/** Records every batch a listener receives, with the fake time it arrived at. */
function record(batcher: EventBatcher) {
  const batches: { at: number; channel: EventChannel; items: unknown[] }[] = [];
  const subscription = batcher.subscribe((channel, items) =>
    batches.push({ at: Date.now(), channel, items: [...items] }),
  );
  return { batches, subscription };
}

describe('EventBatcher', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('delivers one batch per channel per interval with every item in order', () => {
    const batcher = new EventBatcher({ flushIntervalMs: 50 });
    const { batches } = record(batcher);

    for (let seq = 1; seq <= 5; seq += 1) batcher.publish('diagnostics:logged', entry(seq));
    batcher.publish('settings:changed', { ...defaultSettings, theme: 'light' });
    batcher.publish('diagnostics:logged', entry(6));

    vi.advanceTimersByTime(49);
    expect(batches).toEqual([]);
    vi.advanceTimersByTime(1);

    expect(batches).toHaveLength(2);
    const logged = batches.find((batch) => batch.channel === 'diagnostics:logged');
    expect(logged?.at).toBe(50);
    expect(logged?.items.map((item) => (item as LogEntry).seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(batches.find((batch) => batch.channel === 'settings:changed')?.items).toEqual([
      { ...defaultSettings, theme: 'light' },
    ]);

    // The next burst starts a new interval and does not repeat what was delivered.
    batcher.publish('diagnostics:logged', entry(7));
    batcher.publish('diagnostics:logged', entry(8));
    vi.advanceTimersByTime(50);
    expect(batches).toHaveLength(3);
    expect(batches[2]).toEqual({ at: 100, channel: 'diagnostics:logged', items: [entry(7), entry(8)] });
    batcher.dispose();
  });

  it('sends nothing when nothing was published', () => {
    const batcher = new EventBatcher({ flushIntervalMs: 50 });
    const { batches } = record(batcher);
    vi.advanceTimersByTime(1000);
    expect(batches).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
    batcher.dispose();
  });

  it('hands the same batch to every subscriber and stops for one that unsubscribed', () => {
    const batcher = new EventBatcher({ flushIntervalMs: 50 });
    const first = record(batcher);
    const second = record(batcher);
    batcher.publish('diagnostics:logged', entry(1));
    vi.advanceTimersByTime(50);
    expect(first.batches).toHaveLength(1);
    expect(second.batches).toEqual(first.batches);

    second.subscription.dispose();
    batcher.publish('diagnostics:logged', entry(2));
    vi.advanceTimersByTime(50);
    expect(first.batches).toHaveLength(2);
    expect(second.batches).toHaveLength(1);
    batcher.dispose();
  });

  it('discards the oldest items of an overflowing channel and counts them', () => {
    const batcher = new EventBatcher({ flushIntervalMs: 50, maxPendingPerChannel: 3 });
    const { batches } = record(batcher);
    for (let seq = 1; seq <= 7; seq += 1) batcher.publish('diagnostics:logged', entry(seq));
    batcher.publish('settings:changed', defaultSettings);

    vi.advanceTimersByTime(50);
    const logged = batches.find((batch) => batch.channel === 'diagnostics:logged');
    expect(logged?.items.map((item) => (item as LogEntry).seq)).toEqual([5, 6, 7]);
    // The other channel has its own bound and lost nothing.
    expect(batches.find((batch) => batch.channel === 'settings:changed')?.items).toHaveLength(1);
    expect(batcher.discarded).toBe(4);

    // The count is cumulative across flushes.
    for (let seq = 8; seq <= 12; seq += 1) batcher.publish('diagnostics:logged', entry(seq));
    vi.advanceTimersByTime(50);
    expect(batches.at(-1)?.items.map((item) => (item as LogEntry).seq)).toEqual([10, 11, 12]);
    expect(batcher.discarded).toBe(6);
    batcher.dispose();
  });

  it('flush() delivers at once and cancels the pending timer', () => {
    const batcher = new EventBatcher({ flushIntervalMs: 50 });
    const { batches } = record(batcher);
    batcher.publish('diagnostics:logged', entry(1));
    batcher.flush();
    expect(batches).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(100);
    expect(batches).toHaveLength(1);
    batcher.dispose();
  });

  it('delivers nothing after dispose, neither pending items nor later ones, and holds no timer', () => {
    const batcher = new EventBatcher({ flushIntervalMs: 50 });
    const { batches } = record(batcher);
    batcher.publish('diagnostics:logged', entry(1));
    batcher.dispose();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(100);

    batcher.publish('diagnostics:logged', entry(2));
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(100);
    batcher.flush();
    expect(batches).toEqual([]);
  });
});

describe('EventBatcher with real timers', () => {
  it('delivers a burst as one batch after the interval', async () => {
    const batcher = new EventBatcher({ flushIntervalMs: 20 });
    const received = new Promise<readonly unknown[]>((resolve) => {
      batcher.subscribe((_channel, items) => resolve(items));
    });
    const started = performance.now();
    for (let seq = 1; seq <= 100; seq += 1) batcher.publish('diagnostics:logged', entry(seq));
    const items = await received;
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    expect(items.map((item) => (item as LogEntry).seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    batcher.dispose();
  });

  it('delivers signaling on the next turn, with what else is pending, without waiting for the interval', async () => {
    const batcher = new EventBatcher({ flushIntervalMs: 10_000 });
    const batches: { channel: EventChannel; items: readonly unknown[] }[] = [];
    batcher.subscribe((channel, items) => batches.push({ channel, items }));
    batcher.publish('diagnostics:logged', entry(1));
    batcher.publish('sessions:signaled', { sessionId: 's', type: 'bye' });
    expect(batches).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches.map((batch) => batch.channel).sort()).toEqual(['diagnostics:logged', 'sessions:signaled']);
    batcher.dispose();
  });
});
