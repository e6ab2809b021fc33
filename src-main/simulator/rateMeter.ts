/**
 * Events per second over the last second (frames a camera rendered, a node delivered), as
 * GetDeviceStatus and the simulator's stats report them.
 */
export class RateMeter {
  private readonly times: number[] = [];

  constructor(
    private readonly windowMs = 1000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  record(): void {
    const now = this.now();
    this.times.push(now);
    this.prune(now);
  }

  /** Events in the last window, per second. */
  rate(): number {
    this.prune(this.now());
    return Math.round((this.times.length * 1000 * 10) / this.windowMs) / 10;
  }

  private prune(now: number): void {
    let drop = 0;
    while (drop < this.times.length && (this.times[drop] as number) <= now - this.windowMs) drop += 1;
    if (drop > 0) this.times.splice(0, drop);
  }
}
