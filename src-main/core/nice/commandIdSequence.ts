/**
 * Hands out CommandIDs for one sender: integers from `start` (default 0), one higher per request
 * across all of the sender's channels (v0.9 §4.1 "Caller must increment the number per sending
 * the request message"; profile). A resend reuses the CommandID it got, so it never calls next().
 */
export class CommandIdSequence {
  private nextValue: number;

  /** Starts at `start` (a non-negative safe integer), e.g. one past the last ID persisted. */
  constructor(start = 0) {
    if (!Number.isSafeInteger(start) || start < 0) {
      throw new RangeError('CommandIdSequence start must be a non-negative safe integer');
    }
    this.nextValue = start;
  }

  /** Returns the next CommandID and advances; throws RangeError past Number.MAX_SAFE_INTEGER. */
  next(): number {
    const value = this.nextValue;
    if (value > Number.MAX_SAFE_INTEGER) throw new RangeError('CommandID sequence exhausted');
    this.nextValue = value + 1;
    return value;
  }

  /** The CommandID next() will return, e.g. to persist it across restarts. */
  peek(): number {
    return this.nextValue;
  }
}
