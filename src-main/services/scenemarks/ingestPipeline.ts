import type { ParsedSceneMark } from '../../core/nice/sceneMark';
import type { Disposable } from '../../core/util/disposable';
import type { Logger } from '../../core/util/logger';
import type { IngestCounters, IngestedSceneMark } from '../../../src-shared/contract/ingestContract';
import type { SceneMarkRepository, StoreItem, StoreOutcome } from './sceneMarkRepository';
import {
  parseSceneMarkRecord,
  toSceneMarkRecord,
  type SceneMarkParseOutcome,
  type SceneMarkRecord,
} from './sceneMarkRecord';

/**
 * Parses raw SceneMarks away from main's event loop (SceneMarkParsePool). Without one the
 * pipeline parses on main, batch by batch, as it writes.
 */
export interface SceneMarkParser {
  /** One outcome per input, in order; rejects only when the parser itself broke. */
  parseBatch(inputs: readonly Uint8Array[]): Promise<SceneMarkParseOutcome[]>;
  /** Batches it can usefully have in flight at once. */
  readonly concurrency: number;
}

/** Where the pipeline sends live batches (EventBatcher.publish in consoleServices). */
export interface IngestPublisher {
  ingested(summary: IngestedSceneMark): void;
  countersChanged(counters: IngestCounters): void;
  /** The SceneMarks one commit stored for the first time (alert rules look at these). */
  stored?(records: readonly SceneMarkRecord[]): void;
}

/** Tuning and ports of the pipeline. */
export interface IngestPipelineOptions {
  repository: Pick<SceneMarkRepository, 'writeBatch'>;
  logger: Logger;
  publisher?: IngestPublisher;
  /** Where raw SceneMarks are parsed; absent = on main, inside the commit. */
  parser?: SceneMarkParser;
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
  /** What gets written, once parsed (or at once for parsed and refused input). */
  item?: StoreItem;
  /** The parser batch this input is in while it is being parsed. */
  parsing?: number;
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
 * Parsing: with a `parser` (worker threads) queued input is sent off in order, in chunks of up
 * to `batchSize`, as soon as the parser has room, and commits take the parsed prefix of the
 * queue, so main only writes. Order of the queue is the order of the commits either way.
 *
 * Backpressure: `submit` is synchronous and returns false when the queue is full; the item is
 * then not kept and counts as `dropped`. Producers that can wait (WebAPI, MQTT with flow
 * control, the benchmark) use `enqueue`, which resolves once the item is queued and never
 * drops. When the store fails (SQLITE_BUSY, a locked or corrupt file) the batch stays at the
 * head of the queue and is retried with backoff; the error is counted, logged and shown in
 * the counters, nothing is deleted and main keeps running. `holdWrites` pauses commits (a full
 * VACUUM holds the write lock on another connection) while input keeps queueing.
 */
export class IngestPipeline implements Disposable {
  private readonly queue: Pending[] = [];
  /** Next queued item to commit. */
  private head = 0;
  /** Next queued item to hand to the parser (never behind `head`). */
  private parseCursor = 0;
  private parsingBatches = 0;
  private nextParseBatch = 1;
  private dispatchQueued = false;
  /** A commit came due while the head of the queue was still being parsed. */
  private commitDue = false;
  private holds = 0;
  private readonly waiters: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private readonly repository: Pick<SceneMarkRepository, 'writeBatch'>;
  private readonly logger: Logger;
  private readonly publisher: IngestPublisher | undefined;
  private readonly parser: SceneMarkParser | undefined;
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
  private parserFailures = 0;
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
    this.parser = options.parser;
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
    const receivedMs = this.now();
    const record = toSceneMarkRecord(parsed);
    return this.accept({
      bytes: parsed.original,
      source,
      receivedMs,
      item: { kind: 'sceneMark', record, original: parsed.original, source, receivedMs },
    });
  }

  /**
   * Records input a transport refused before it could hold a SceneMark (a CMF envelope that
   * does not parse or decrypt), so it lands in the rejects table with the reason like any other.
   */
  submitRejected(bytes: Uint8Array, source: string, reason: string, field: string | null): boolean {
    const receivedMs = this.now();
    return this.accept({
      bytes,
      source,
      receivedMs,
      item: { kind: 'reject', original: bytes, source, receivedMs, reason, field },
    });
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

  /**
   * Pauses commits until the returned release is called (each hold released once; holds nest).
   * Input keeps queueing up to `maxQueue`, and parsing goes on meanwhile.
   */
  holdWrites(): () => void {
    this.holds += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds -= 1;
      if (this.holds === 0 && this.queueDepth > 0 && this.failureStreak === 0) this.schedule(0);
    };
  }

  /**
   * Writes what is queued now, batch by batch, parsing on main what the parser has not taken
   * yet; stops at input still being parsed and at the first store failure.
   */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queueDepth > 0) {
      const result = this.commitOne();
      if (result !== 'committed') return;
    }
    this.settled();
  }

  /** Stops accepting, commits what it can, and releases timers; queued items are never deleted. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    // Answers still to come from the parser are not awaited: main parses those inputs itself.
    for (let index = this.head; index < this.parseCursor; index++) {
      const pending = this.queue[index];
      if (pending) pending.parsing = undefined;
    }
    if (this.failureStreak === 0 && this.holds === 0) this.flush();
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
    if (this.parser && !this.dispatchQueued) {
      // Everything submitted in this turn of the event loop goes to the parser together.
      this.dispatchQueued = true;
      queueMicrotask(() => {
        this.dispatchQueued = false;
        this.dispatch();
      });
    }
    if (this.failureStreak > 0 || this.holds > 0) return true; // a retry or a release will commit
    if (!this.parser && this.queueDepth >= this.batchSize) this.schedule(0);
    else if (!this.timer) this.schedule(this.flushIntervalMs);
    return true;
  }

  /** Hands queued input to the parser, in order, while it has room. */
  private dispatch(): void {
    const parser = this.parser;
    if (!parser || this.disposed) return;
    if (this.parseCursor < this.head) this.parseCursor = this.head;
    while (this.parseCursor < this.queue.length && this.parsingBatches < parser.concurrency) {
      const batch: Pending[] = [];
      const token = this.nextParseBatch++;
      while (this.parseCursor < this.queue.length && batch.length < this.batchSize) {
        const pending = this.queue[this.parseCursor++];
        if (pending && !pending.item) {
          pending.parsing = token;
          batch.push(pending);
        }
      }
      if (batch.length === 0) continue;
      this.parsingBatches += 1;
      parser.parseBatch(batch.map((pending) => pending.bytes)).then(
        (outcomes) => this.parsed(batch, token, outcomes),
        (error: unknown) => this.parserFailed(batch, token, error),
      );
    }
  }

  private parsed(batch: readonly Pending[], token: number, outcomes: readonly SceneMarkParseOutcome[]): void {
    this.parsingBatches -= 1;
    batch.forEach((pending, index) => {
      if (pending.parsing !== token) return;
      pending.parsing = undefined;
      // An input the parser gave no answer for is parsed on main when it is committed.
      const outcome = outcomes[index];
      if (!pending.item && outcome) pending.item = toStoreItem(pending, outcome);
    });
    this.dispatch();
    if (this.failureStreak > 0 || this.holds > 0 || this.disposed) return;
    if (this.commitDue || this.readyCount() >= this.batchSize) this.schedule(0);
    else if (!this.timer && this.queueDepth > 0) this.schedule(this.flushIntervalMs);
  }

  /** The parser broke (a worker died): main parses that batch itself when it commits it. */
  private parserFailed(batch: readonly Pending[], token: number, error: unknown): void {
    this.parsingBatches -= 1;
    for (const pending of batch) if (pending.parsing === token) pending.parsing = undefined;
    this.parserFailures += 1;
    if (this.parserFailures === 1 || this.parserFailures % 100 === 0)
      this.logger.log(
        'warn',
        'ingest',
        `the SceneMark parser failed (${this.parserFailures} batches so far); parsing on main instead`,
        error instanceof Error ? error.stack : String(error),
      );
    if (this.failureStreak === 0 && this.holds === 0 && !this.disposed) this.schedule(0);
  }

  /** Parsed items at the head of the queue, counted up to one batch. */
  private readyCount(): number {
    const end = Math.min(this.queue.length, this.head + this.batchSize);
    let index = this.head;
    while (index < end && this.queue[index]?.item) index++;
    return index - this.head;
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
    const result = this.commitOne();
    if (result !== 'committed') return;
    if (this.queueDepth === 0) this.settled();
    else if (!this.parser ? this.queueDepth >= this.batchSize : this.readyCount() >= this.batchSize)
      this.schedule(0);
    else this.schedule(this.flushIntervalMs);
  }

  /**
   * Writes the next batch: the head of the queue up to the first input still being parsed,
   * parsing on main whatever the parser has not taken. `waiting` when the head is still being
   * parsed or writes are held (its arrival or the release commits), `failed` when the store
   * failed (a retry is scheduled).
   */
  private commitOne(): 'committed' | 'waiting' | 'failed' {
    if (this.holds > 0) return 'waiting';
    const batch: Pending[] = [];
    const limit = Math.min(this.queue.length, this.head + this.batchSize);
    for (let index = this.head; index < limit; index++) {
      const pending = this.queue[index];
      if (!pending || pending.parsing !== undefined) break;
      pending.item ??= toStoreItem(pending, parseSceneMarkRecord(pending.bytes));
      batch.push(pending);
    }
    if (batch.length === 0) {
      this.commitDue = this.queueDepth > 0;
      return 'waiting';
    }
    this.commitDue = false;
    const items = batch.map((pending) => pending.item as StoreItem);
    let outcomes: StoreOutcome[];
    try {
      outcomes = this.write(items);
    } catch (error) {
      this.storeFailed(error, batch.length);
      return 'failed';
    }
    this.head += batch.length;
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.parseCursor = Math.max(0, this.parseCursor - this.head);
      this.head = 0;
    }
    if (this.failureStreak > 0) {
      this.logger.log('info', 'ingest', 'the SceneMark store accepts writes again');
      this.failureStreak = 0;
      this.lastError = null;
    }
    this.recordOutcomes(items, outcomes);
    for (const wake of this.waiters.splice(0)) wake();
    this.dispatch();
    return 'committed';
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
    const stored: SceneMarkRecord[] = [];
    outcomes.forEach((outcome, index) => {
      const item = items[index];
      switch (outcome) {
        case 'stored':
          this.counts.stored += 1;
          if (item?.kind === 'sceneMark') stored.push(item.record);
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
      if (item?.kind === 'sceneMark' && this.publisher) this.publisher.ingested(summarise(item.record));
    });
    if (stored.length > 0) this.publisher?.stored?.(stored);
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

/** The store item of one queued input from its parse outcome. */
function toStoreItem(pending: Pending, outcome: SceneMarkParseOutcome): StoreItem {
  const { bytes: original, source, receivedMs } = pending;
  return outcome.ok
    ? { kind: 'sceneMark', record: outcome.record, original, source, receivedMs }
    : { kind: 'reject', original, source, receivedMs, reason: outcome.reason, field: outcome.field };
}

/** A SceneMark the store refused, kept as a reject with SQLite's reason. */
function storeRejected(item: StoreItem, error: unknown): StoreItem {
  return {
    kind: 'reject',
    original: item.original,
    source: item.source,
    receivedMs: item.receivedMs,
    reason: `the store refused it: ${error instanceof Error ? error.message : String(error)}`,
    field: null,
  };
}

/** The compact live summary of one stored SceneMark. */
export function summarise(record: SceneMarkRecord): IngestedSceneMark {
  return {
    sceneMarkId: record.sceneMarkId,
    time: record.time,
    deviceId: record.deviceId,
    nodeId: record.nodeId,
    eventType: record.eventType,
    itemTypes: record.itemTypes,
    highestProbability: record.highestProbability,
    status: record.status,
  };
}

function sqliteCode(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string')
    return error.code;
  return 'UNKNOWN';
}
