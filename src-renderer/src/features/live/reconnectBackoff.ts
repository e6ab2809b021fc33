/** How a tile waits between attempts to reach its camera again. */
export interface BackoffPolicy {
  /** The wait before the first attempt after a failure. */
  firstMs: number;
  /** The longest wait, however many attempts failed. */
  maxMs: number;
}

/** 1 s, 2 s, 4 s, 8 s, then 15 s: a camera that is back is seen quickly, a dead one is not hammered. */
export const defaultBackoff: BackoffPolicy = { firstMs: 1000, maxMs: 15_000 };

/**
 * The wait before attempt `attempt` (1 for the first retry after a failure): capped
 * exponential backoff, doubling from `firstMs` up to `maxMs`.
 */
export function reconnectDelayMs(attempt: number, policy: BackoffPolicy = defaultBackoff): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`attempt: must be an integer of at least 1, got ${attempt}`);
  }
  if (!(policy.firstMs > 0) || !(policy.maxMs >= policy.firstMs)) {
    throw new RangeError(`policy: firstMs must be positive and maxMs at least firstMs`);
  }
  // 2 ** 30 already exceeds any sensible cap; larger exponents would only overflow.
  return Math.min(policy.maxMs, policy.firstMs * 2 ** Math.min(attempt - 1, 30));
}
