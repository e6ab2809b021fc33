import type { CmfResponse } from './cmf';

/** How long a (SourceEndPointID, CommandID) pair is remembered (profile: 10 minutes). */
export const REPLAY_WINDOW_MS = 10 * 60 * 1000;

/** Default bound on the remembered pairs, so a flood cannot grow memory without limit. */
export const REPLAY_GUARD_MAX_ENTRIES = 10_000;

interface Entry {
  at: number;
  response: CmfResponse | 'pending';
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

/**
 * Answers a repeated request from cache instead of executing it twice (profile "Replay guard",
 * digest §6.1): management and control run over QoS 0 (v0.9 §8.2), so callers resend with the
 * same CommandID. Entries live `windowMs` from begin(); at most `maxEntries` are kept, the oldest
 * evicted first. Keys use the lowercase SourceEndPointID.
 */
export class ReplayGuard {
  private readonly entries = new Map<string, Entry>();
  private readonly windowMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  /** Options: the window (default 10 min), the bound (default 10,000) and a clock for tests. */
  constructor(options: { windowMs?: number; maxEntries?: number; now?: () => number } = {}) {
    this.windowMs = options.windowMs ?? REPLAY_WINDOW_MS;
    this.maxEntries = options.maxEntries ?? REPLAY_GUARD_MAX_ENTRIES;
    this.now = options.now ?? Date.now;
    if (!(this.windowMs > 0)) throw new RangeError('windowMs must be positive');
    if (!Number.isSafeInteger(this.maxEntries) || this.maxEntries < 1) {
      throw new RangeError('maxEntries must be a positive integer');
    }
  }

  /**
   * What to do with a request: the cached response to send again, 'pending' while the first copy
   * is still executing (drop the repeat), or undefined when it is new (call begin()).
   */
  lookup(source: string, commandId: number): CmfResponse | 'pending' | undefined {
    this.prune();
    return this.entries.get(ReplayGuard.key(source, commandId))?.response;
  }

  /** Records that the request is being executed; does nothing if the pair is already known. */
  begin(source: string, commandId: number): void {
    this.prune();
    const key = ReplayGuard.key(source, commandId);
    if (this.entries.has(key)) return;
    this.insert(key, { at: this.now(), response: 'pending' });
  }

  /**
   * Caches the response sent for the request; repeats get this identical (frozen) object. The
   * window still counts from begin().
   */
  complete(source: string, commandId: number, response: CmfResponse): void {
    const key = ReplayGuard.key(source, commandId);
    const frozen = deepFreeze(structuredClone(response));
    const entry = this.entries.get(key);
    if (entry) entry.response = frozen;
    else this.insert(key, { at: this.now(), response: frozen });
  }

  /** Forgets a pair, e.g. when its execution failed before any response was sent. */
  forget(source: string, commandId: number): void {
    this.entries.delete(ReplayGuard.key(source, commandId));
  }

  /** Number of pairs remembered, for tests and diagnostics. */
  get size(): number {
    return this.entries.size;
  }

  private static key(source: string, commandId: number): string {
    return `${source.toLowerCase()} ${commandId}`;
  }

  private insert(key: string, entry: Entry): void {
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  /** Drops expired entries from the front; insertion order is begin() order. */
  private prune(): void {
    const limit = this.now() - this.windowMs;
    for (const [key, entry] of this.entries) {
      if (entry.at > limit) break;
      this.entries.delete(key);
    }
  }
}
