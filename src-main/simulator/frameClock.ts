import { toDisposable, type Disposable } from '../core/util/disposable';

/** One frame due on the clock: its number and the wall-clock instant it shows. */
export interface FrameTick {
  /** Frames since the clock's epoch at this rate; the counter drawn into the video. */
  frame: number;
  /** The frame's nominal time (epoch + frame / fps), integer ms since the Unix epoch. */
  timeMs: number;
}

export type FrameListener = (tick: FrameTick) => void;

interface Subscription {
  fps: number;
  listener: FrameListener;
  /** The next frame this subscriber is owed. */
  next: number;
}

export interface FrameClockOptions {
  now?: () => number;
  /** Frame 0 of every rate; default: the clock's creation, rounded down to a second. */
  epochMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * The process's one video clock: every streaming camera subscribes at its frame rate and is
 * called at absolute deadlines (epoch + n / fps), so timer lateness never accumulates into drift.
 * A subscriber that falls behind by more than a frame skips to the current frame rather than
 * bursting, as a real camera drops frames under load. Frame numbers are a function of time, so
 * the SceneMark of an instant names the same frame the video shows at that instant.
 */
export class FrameClock {
  readonly epochMs: number;
  private readonly now: () => number;
  private readonly onError: (error: unknown) => void;
  private readonly subscriptions = new Set<Subscription>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private wakeAt = Infinity;
  /** Frames skipped because a subscriber's deadline had passed by more than a frame. */
  skipped = 0;

  constructor(options: FrameClockOptions = {}) {
    this.now = options.now ?? Date.now;
    this.epochMs = options.epochMs ?? Math.floor(this.now() / 1000) * 1000;
    this.onError = options.onError ?? (() => undefined);
  }

  /** The frame showing at `timeMs` for `fps`: the last one whose timeOf is at or before it. */
  frameAt(fps: number, timeMs: number): number {
    const frame = Math.floor(((timeMs - this.epochMs) * fps) / 1000);
    // timeOf rounds to whole ms, so the next frame may already be due at this instant.
    return this.timeOf(fps, frame + 1) <= timeMs ? frame + 1 : frame;
  }

  /** The nominal time of frame `frame` at `fps`, whole ms. */
  timeOf(fps: number, frame: number): number {
    return this.epochMs + Math.round((frame * 1000) / fps);
  }

  /** Calls `listener` once per frame at `fps` from the next frame on, until disposed. */
  subscribe(fps: number, listener: FrameListener): Disposable {
    if (!(fps > 0 && fps <= 120)) throw new RangeError('fps must be above 0 and at most 120');
    const subscription: Subscription = { fps, listener, next: this.frameAt(fps, this.now()) + 1 };
    this.subscriptions.add(subscription);
    this.schedule();
    return toDisposable(() => {
      this.subscriptions.delete(subscription);
      if (this.subscriptions.size === 0) this.stop();
    });
  }

  /** Number of subscribers, e.g. to show that idle cameras render nothing. */
  get size(): number {
    return this.subscriptions.size;
  }

  private stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.wakeAt = Infinity;
  }

  private schedule(): void {
    let wake = Infinity;
    for (const subscription of this.subscriptions) {
      wake = Math.min(wake, this.timeOf(subscription.fps, subscription.next));
    }
    if (wake === Infinity) return this.stop();
    if (this.timer !== undefined && wake >= this.wakeAt) return;
    clearTimeout(this.timer);
    this.wakeAt = wake;
    this.timer = setTimeout(() => this.fire(), Math.max(0, wake - this.now()));
  }

  private fire(): void {
    this.timer = undefined;
    this.wakeAt = Infinity;
    const now = this.now();
    for (const subscription of [...this.subscriptions]) {
      if (this.timeOf(subscription.fps, subscription.next) > now) continue;
      const current = this.frameAt(subscription.fps, now);
      if (current > subscription.next) this.skipped += current - subscription.next;
      const frame = Math.max(subscription.next, current);
      subscription.next = frame + 1;
      try {
        subscription.listener({ frame, timeMs: this.timeOf(subscription.fps, frame) });
      } catch (error) {
        this.onError(error);
      }
    }
    this.schedule();
  }
}
