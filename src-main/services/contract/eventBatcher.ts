import type { EventChannel } from '../../../src-shared/contract/channels';
import type { EventPayload } from '../../../src-shared/contract/contractMap';
import { toDisposable, type Disposable } from '../../core/util/disposable';

/** Receives one batch of one channel. */
export type BatchListener = (channel: EventChannel, items: readonly unknown[]) => void;

/** Tuning of the batcher; the defaults follow ARCHITECTURE.md (50–100 ms batches). */
export interface EventBatcherOptions {
  flushIntervalMs?: number;
  /** Most items held per channel between flushes; older ones are discarded first. */
  maxPendingPerChannel?: number;
  /**
   * Low-rate channels whose events are delivered on the next turn of the event loop instead of
   * the next tick: WebRTC signaling sits on the path to a camera's first frame.
   */
  immediateChannels?: readonly EventChannel[];
}

const defaultImmediateChannels: readonly EventChannel[] = ['sessions:signaled', 'sessions:changed'];

/**
 * Collects events from services and hands them to the transports as bounded batches every
 * flush interval, so a burst of SceneMarks or log lines costs one message per channel per tick
 * instead of one per event.
 */
export class EventBatcher implements Disposable {
  private readonly pending = new Map<EventChannel, unknown[]>();
  private readonly listeners = new Set<BatchListener>();
  private readonly flushIntervalMs: number;
  private readonly maxPending: number;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private readonly immediateChannels: ReadonlySet<EventChannel>;
  private discardedCount = 0;
  private disposed = false;

  constructor(options: EventBatcherOptions = {}) {
    this.flushIntervalMs = options.flushIntervalMs ?? 50;
    this.maxPending = options.maxPendingPerChannel ?? 1000;
    this.immediateChannels = new Set(options.immediateChannels ?? defaultImmediateChannels);
  }

  /** Items dropped because a channel overflowed between two flushes. */
  get discarded(): number {
    return this.discardedCount;
  }

  /** Queues one event for the next batch of its channel; a no-op once disposed. */
  publish<C extends EventChannel>(channel: C, item: EventPayload<C>): void {
    if (this.disposed) return;
    let queue = this.pending.get(channel);
    if (!queue) {
      queue = [];
      this.pending.set(channel, queue);
    }
    queue.push(item);
    if (queue.length > this.maxPending) {
      queue.shift();
      this.discardedCount += 1;
    }
    if (this.immediateChannels.has(channel)) this.immediate ??= setImmediate(() => this.flush());
    else this.timer ??= setTimeout(() => this.flush(), this.flushIntervalMs);
  }

  /** Registers a transport; it gets every batch until disposed. */
  subscribe(listener: BatchListener): Disposable {
    this.listeners.add(listener);
    return toDisposable(() => this.listeners.delete(listener));
  }

  /** Delivers everything pending now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = this.immediate = undefined;
    const batches = [...this.pending.entries()];
    this.pending.clear();
    for (const [channel, items] of batches) {
      for (const listener of this.listeners) listener(channel, items);
    }
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = this.immediate = undefined;
    this.pending.clear();
    this.listeners.clear();
  }
}
