import { NiceProtocolError } from '../../core/nice/niceProtocolError';
import { parseSceneMark, type ParsedSceneMark } from '../../core/nice/sceneMark';
import type { Disposable } from '../../core/util/disposable';
import type { Logger } from '../../core/util/logger';
import type { IngestCounters, IngestedSceneMark } from '../../../src-shared/contract/ingestContract';
import type { SceneMarkRepository, StoreItem, StoreOutcome } from './sceneMarkRepository';

/** Where the pipeline sends live batches (EventBatcher.publish in consoleServices). */
export interface IngestPublisher {
  ingested(summary: IngestedSceneMark): void;
  countersChanged(counters: IngestCounters): void;
}

/** Tuning and ports of the pipeline. */
export interface IngestPipelineOptions {
  repository: Pick<SceneMarkRepository, 'writeBatch'>;
  logger: Logger;
  publisher?: IngestPublisher;
  /**
   * Rows per transaction at most (default 500): parsing and writing one row costs about 0.25 ms
   * on a slow machine, so a batch holds main's event loop for about 100 ms at most.
   */
  batchSize?: number;
  /** Longest an accepted SceneMark waits before its commit starts (default 50 ms). */
  flushIntervalMs?: number;
  /** Most SceneMarks queued; beyond it `submit` refuses (default 50,000). */
  maxQueue?: number;
  /** First wait after SQLITE_BUSY, doubled up to `maxRetryDelayMs` (default 25 ms). */
  retryDelayMs?: number;
  /** Longest wait between retries of a failing store (default 5 s). */
  maxRetryDelayMs?: number;
  /** Shortest gap between two `countersChanged` events (default 250 ms). */
  countersIntervalMs?: number;
  now?: () => number;
}

interface Pending {
  bytes: Uint8Array;
  source: string;
  receivedMs: number;
  parsed?: ParsedSceneMark;
  /** Refused before it reached the pipeline (an unreadable envelope): stored as a reject. */
  refused?: { reason: string; field: string | null };
}

/** SQLite result codes meaning "another connection holds the lock": retry soon. */
const busyCodes = /^SQLITE_(BUSY|LOCKED)/;
/** Codes caused by one item rather than by the database: that item becomes a reject. */
const itemLevelCodes = /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)/;

/**
 * The SceneMark ingest pipeline of issue #5 item 2. Sources hand in raw bytes; a bounded queue
 * absorbs bursts; each commit writes at most `batchSize` SceneMarks in one transaction and
 * starts within `flushIntervalMs` of the oldest queued item. Invalid input goes to the rejects
 * table with the reason, never silently away.
 *
 * Backpressure: `submit` is synchronous and returns false when the queue is full; the item is
 * then not kept and counts as `dropped`. Producers that can wait (WebAPI, MQTT with flow
 * control, the benchmark) use `enqueue`, which resolves once the item is queued and never
 * drops. When the store fails (SQLITE_BUSY, a locked or corrupt file) the batch stays at the
 * head of the queue and is retried with backoff; the error is counted, logged and shown in
 * the counters, nothing is deleted and main keeps running.
 */
export class IngestPipeline implements Disposable {
  private readonly queue: Pending[] = [];
  private head = 0;
  private readonly waiters: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private readonly repository: Pick<SceneMarkRepository, 'writeBatch'>;
  private readonly logger: Logger;
  private readonly publisher: IngestPublisher | undefined;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly maxQueue: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly countersIntervalMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private timerImmediate = false;
  private countersTimer: NodeJS.Timeout | undefined;
  private lastCountersMs = Number.NEGATIVE_INFINITY;
  private failureStreak = 0;
  private disposed = false;
  private readonly counts: Omit<IngestCounters, 'queueDepth' | 'lastError'> = {
    received: 0,
    stored: 0,
    updated: 0,
    duplicates: 0,
    rejected: 0,
    dropped: 0,
    storeErrors: 0,
  };
  private lastError: IngestCounters['lastError'] = null;

  constructor(options: IngestPipelineOptions) {
    this.repository = options.repository;
    this.logger = options.logger;
    this.publisher = options.publisher;
    this.batchSize = options.batchSize ?? 500;
    this.flushIntervalMs = options.flushIntervalMs ?? 50;
    this.maxQueue = options.maxQueue ?? 50_000;
    this.retryDelayMs = options.retryDelayMs ?? 25;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 5000;
    this.countersIntervalMs = options.countersIntervalMs ?? 250;
    this.now = options.now ?? Date.now;
  }

  /** SceneMarks waiting for their commit. */
  get queueDepth(): number {
    return this.queue.length - this.head;
  }

  /** A snapshot of the counters (issue #5: received, stored, duplicates, rejected, dropped…). */
  counters(): IngestCounters {
    return { ...this.counts, queueDepth: this.queueDepth, lastError: this.lastError };
  }

  /**
   * Queues raw SceneMark bytes from `source` (`mqtt:<profile>`, `webapi`, …). Returns false
   * when the queue is full or the pipeline is disposed: the item is not kept and counts as
   * dropped, so a producer that cannot wait loses data visibly, never silently.
   */
  submit(bytes: Uint8Array, source: string): boolean {
    return this.accept({ bytes, source, receivedMs: this.now() });
  }

  /** Like submit for a SceneMark that was already parsed (by a CMF or WebAPI handler). */
  submitParsed(parsed: ParsedSceneMark, source: string): boolean {
    return this.accept({ bytes: parsed.original, source, receivedMs: this.now(), parsed });
  }

  /**
   * Records input a transport refused before it could hold a SceneMark (a CMF envelope that
   * does not parse or decrypt), so it lands in the rejects table with the reason like any other.
   */
  submitRejected(bytes: Uint8Array, source: string, reason: string, field: string | null): boolean {
    return this.accept({ bytes, source, receivedMs: this.now(), refused: { reason, field } });
  }

  /** Queues the bytes, waiting for room when the queue is full; never drops. */
  async enqueue(bytes: Uint8Array, source: string): Promise<void> {
    while (!this.disposed && this.queueDepth >= this.maxQueue) await this.ready();
    if (!this.submit(bytes, source)) throw new Error('the ingest pipeline is closed');
  }

  /** Resolves when the queue has room again (at once when it has room now). */
  ready(): Promise<void> {
    if (this.disposed || this.queueDepth < this.maxQueue) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Resolves when everything queued so far is committed (tests, shutdown, benchmarks). */
  drained(): Promise<void> {
    if (this.queueDepth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Writes what is queued now, batch by batch; stops at the first store failure. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queueDepth > 0) {
      if (!this.commitOne()) return;
    }
    this.settled();
  }

  /** Stops accepting, commits what it can, and releases timers; queued items are never deleted. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.failureStreak === 0) this.flush();
    if (this.timer) clearTimeout(this.timer);
    if (this.countersTimer) clearTimeout(this.countersTimer);
    this.timer = this.countersTimer = undefined;
    if (this.queueDepth > 0)
      this.logger.log('error', 'ingest', `${this.queueDepth} SceneMarks could not be stored before shutdown`);
    for (const wake of this.waiters.splice(0)) wake();
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private accept(item: Pending): boolean {
    this.counts.received += 1;
    if (this.disposed || this.queueDepth >= this.maxQueue) {
      this.counts.dropped += 1;
      if (this.counts.dropped === 1 || this.counts.dropped % 1000 === 0)
        this.logger.log(
          'warn',
          'ingest',
          `ingest queue full: ${this.counts.dropped} SceneMarks dropped so far`,
        );
      this.countersChanged();
      return false;
    }
    this.queue.push(item);
    if (this.failureStreak > 0) return true; // a retry is already scheduled
    if (this.queueDepth >= this.batchSize) this.schedule(0);
    else if (!this.timer) this.schedule(this.flushIntervalMs);
    return true;
  }

  private schedule(delayMs: number): void {
    if (this.disposed) return;
    if (this.timer) {
      if (delayMs > 0 || this.timerImmediate) return;
      clearTimeout(this.timer);
    }
    this.timerImmediate = delayMs === 0;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.runBatch();
    }, delayMs);
  }

  /** One commit per timer turn so producers and IPC get the event loop between batches. */
  private runBatch(): void {
    if (!this.commitOne()) return;
    if (this.queueDepth >= this.batchSize) this.schedule(0);
    else if (this.queueDepth > 0) this.schedule(this.flushIntervalMs);
    else this.settled();
  }

  /** Parses and writes the next batch; false when the store failed (a retry is scheduled). */
  private commitOne(): boolean {
    const end = Math.min(this.queue.length, this.head + this.batchSize);
    const batch = this.queue.slice(this.head, end);
    const items = batch.map((pending) => toStoreItem(pending));
    let outcomes: StoreOutcome[];
    try {
      outcomes = this.write(items);
    } catch (error) {
      this.storeFailed(error, batch.length);
      return false;
    }
    this.head = end;
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    if (this.failureStreak > 0) {
      this.logger.log('info', 'ingest', 'the SceneMark store accepts writes again');
      this.failureStreak = 0;
      this.lastError = null;
    }
    this.recordOutcomes(items, outcomes);
    for (const wake of this.waiters.splice(0)) wake();
    return true;
  }

  /**
   * Writes the batch in one transaction. When SQLite blames an item rather than the database,
   * the items are written one by one and the refused ones become rejects, so one bad SceneMark
   * cannot hold up the rest (a failure midway leaves the written ones as duplicates on retry).
   */
  private write(items: StoreItem[]): StoreOutcome[] {
    try {
      return this.repository.writeBatch(items);
    } catch (error) {
      if (!itemLevelCodes.test(sqliteCode(error))) throw error;
    }
    return items.map((item, index) => {
      try {
        return this.repository.writeBatch([item])[0] ?? 'rejected';
      } catch (error) {
        if (!itemLevelCodes.test(sqliteCode(error))) throw error;
        const reject = storeRejected(item, error);
        items[index] = reject;
        return this.repository.writeBatch([reject])[0] ?? 'rejected';
      }
    });
  }

  private recordOutcomes(items: readonly StoreItem[], outcomes: readonly StoreOutcome[]): void {
    outcomes.forEach((outcome, index) => {
      const item = items[index];
      switch (outcome) {
        case 'stored':
          this.counts.stored += 1;
          break;
        case 'updated':
          this.counts.updated += 1;
          break;
        case 'duplicate':
          this.counts.duplicates += 1;
          return;
        case 'rejected':
          this.counts.rejected += 1;
          return;
      }
      if (item?.kind === 'sceneMark' && this.publisher) this.publisher.ingested(summarise(item.parsed));
    });
    this.countersChanged();
  }

  private storeFailed(error: unknown, batchLength: number): void {
    const code = sqliteCode(error);
    const message = error instanceof Error ? error.message : String(error);
    const busy = busyCodes.test(code);
    this.failureStreak += 1;
    this.counts.storeErrors += 1;
    this.lastError = { code, message, atMs: this.now() };
    const delay = Math.min(
      this.maxRetryDelayMs,
      this.retryDelayMs * 2 ** Math.min(this.failureStreak - 1, 16),
    );
    // The first failure of a streak and then every tenth are logged, so a locked file cannot flood the log.
    if (this.failureStreak === 1 || this.failureStreak % 10 === 0)
      this.logger.log(
        busy ? 'warn' : 'error',
        'ingest',
        `cannot store ${batchLength} SceneMarks (${code}: ${message}); ${this.queueDepth} kept in the queue, retrying in ${delay} ms`,
        error instanceof Error ? error.stack : undefined,
      );
    this.countersChanged();
    this.schedule(delay);
  }

  private settled(): void {
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private countersChanged(): void {
    if (!this.publisher || this.disposed) return;
    const due = this.lastCountersMs + this.countersIntervalMs - this.now();
    if (due <= 0) {
      this.lastCountersMs = this.now();
      this.publisher.countersChanged(this.counters());
    } else {
      this.countersTimer ??= setTimeout(() => {
        this.countersTimer = undefined;
        this.countersChanged();
      }, due);
    }
  }
}

/** Parses one queued item; invalid input becomes a reject with its reason and field. */
function toStoreItem(pending: Pending): StoreItem {
  if (pending.refused)
    return {
      kind: 'reject',
      original: pending.bytes,
      source: pending.source,
      receivedMs: pending.receivedMs,
      ...pending.refused,
    };
  if (pending.parsed)
    return {
      kind: 'sceneMark',
      parsed: pending.parsed,
      source: pending.source,
      receivedMs: pending.receivedMs,
    };
  try {
    const parsed = parseSceneMark(pending.bytes);
    pending.parsed = parsed; // a retried batch is not parsed twice
    return { kind: 'sceneMark', parsed, source: pending.source, receivedMs: pending.receivedMs };
  } catch (error) {
    return {
      kind: 'reject',
      original: pending.bytes,
      source: pending.source,
      receivedMs: pending.receivedMs,
      reason: error instanceof Error ? error.message : String(error),
      field: error instanceof NiceProtocolError ? (error.field ?? null) : null,
    };
  }
}

/** A SceneMark the store refused, kept as a reject with SQLite's reason. */
function storeRejected(item: StoreItem, error: unknown): StoreItem {
  const original = item.kind === 'sceneMark' ? item.parsed.original : item.original;
  return {
    kind: 'reject',
    original,
    source: item.source,
    receivedMs: item.receivedMs,
    reason: `the store refused it: ${error instanceof Error ? error.message : String(error)}`,
    field: null,
  };
}

/** The compact live summary of one stored SceneMark. */
export function summarise(parsed: ParsedSceneMark): IngestedSceneMark {
  const { normalised } = parsed;
  return {
    sceneMarkId: normalised.sceneMarkId,
    time: normalised.time,
    deviceId: normalised.deviceId,
    nodeId: normalised.nodeId,
    eventType: normalised.eventType,
    itemTypes: normalised.itemTypes,
    highestProbability: normalised.highestProbability,
    status: normalised.status,
  };
}

function sqliteCode(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string')
    return error.code;
  return 'UNKNOWN';
}
