/**
 * Arrivals per second over a sliding window of whole-second buckets: steady enough to read
 * while SceneMarks come in batches every 50–100 ms, and back to 0 soon after they stop.
 */
export class ArrivalRate {
  private readonly buckets = new Map<number, number>();
  private firstSecond: number | undefined;

  constructor(private readonly windowSeconds = 5) {}

  add(count: number, nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    this.firstSecond ??= second;
    this.buckets.set(second, (this.buckets.get(second) ?? 0) + count);
    for (const key of this.buckets.keys()) if (key < second - this.windowSeconds) this.buckets.delete(key);
  }

  /**
   * The mean rate over the completed seconds of the window (the current second is still
   * filling, so counting it would read low); in the first seconds, over those seen so far.
   */
  perSecond(nowMs: number): number {
    const current = Math.floor(nowMs / 1000);
    if (this.firstSecond === undefined || current <= this.firstSecond) return 0;
    let total = 0;
    for (const [second, count] of this.buckets)
      if (second < current && second >= current - this.windowSeconds) total += count;
    return total / Math.min(this.windowSeconds, current - this.firstSecond);
  }
}
