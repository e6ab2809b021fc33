import { toDisposable, type Disposable } from '../../core/util/disposable';

/** Time as the hub sees it, injected so tests can drive reconnects and timeouts. */
export interface Clock {
  /** Wall-clock milliseconds since the epoch (state timestamps, `retryAt`). */
  now(): number;
  /** High-resolution monotonic milliseconds (latencies). */
  monotonic(): number;
  /** Runs `callback` once after `ms`; disposing cancels it. */
  setTimeout(callback: () => void, ms: number): Disposable;
}

/** The real clock: `Date.now`, `performance.now` and Node timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout(callback, ms) {
    // Unref'd: a pending retry or request timeout never keeps the process alive by itself.
    const timer = setTimeout(callback, ms);
    timer.unref();
    return toDisposable(() => clearTimeout(timer));
  },
};
