/** How long the hub waits between connection attempts. */
export interface BackoffPolicy {
  /** Delay before the first retry, in ms. */
  initialDelayMs: number;
  /** No delay exceeds this, jitter included. */
  maxDelayMs: number;
  /** Growth factor per failed attempt. */
  multiplier: number;
  /** Fraction (0..1) of each delay that is randomised downwards, so many consoles do not retry in step. */
  jitter: number;
  /** Failed attempts in a row before the state becomes `failed`; Infinity retries network errors for ever. */
  maxAttempts: number;
}

/** 0.5 s, 1 s, 2 s … capped at 30 s, each up to 50 % shorter at random; network errors retried for ever. */
export const defaultBackoffPolicy: BackoffPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitter: 0.5,
  maxAttempts: Number.POSITIVE_INFINITY,
};

/**
 * Delay before retry number `retry` (1 for the first retry): capped exponential growth with
 * "equal jitter" (a random part taken off the top), so the cap is a true upper bound and the
 * delay never collapses to zero.
 */
export function reconnectDelay(
  retry: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, retry - 1);
  const capped = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** exponent);
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  return Math.max(0, Math.round(capped * (1 - jitter * Math.min(1, Math.max(0, random())))));
}
