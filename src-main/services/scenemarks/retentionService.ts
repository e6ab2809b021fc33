import { performance } from 'node:perf_hooks';
import {
  RetentionBudgets,
  type PruneReason,
  type RetentionPruned,
  type RetentionUsage,
  type SetBudgetsRequest,
  type VacuumResponse,
} from '../../../src-shared/contract/retentionContract';
import { describeSchemaError } from '../../../src-shared/contract/result';
import type { Disposable } from '../../core/util/disposable';
import type { Logger } from '../../core/util/logger';
import { ContractFailure } from '../contract/contractFailure';
import type { WorkerEntry } from '../workers/workerEntry';
import type { PruneBatch, RetentionRepository } from './retentionRepository';
import { describeThrown, vacuumFailure } from './vacuumFailure';
import { defaultVacuumWorkerEntry, runVacuumWorker } from './vacuumWorkerLauncher';
import { vacuumFlag } from './vacuumWorkerProtocol';

const dayMs = 24 * 60 * 60 * 1000;
const mebibyte = 1024 * 1024;

/** Ports and tuning of the retention service. */
export interface RetentionServiceOptions {
  repository: RetentionRepository;
  logger: Logger;
  /** Where `retention:pruned` goes (EventBatcher.publish in consoleServices). */
  publish?: (pruned: RetentionPruned) => void;
  /** Rows per pruning transaction at most (default 500, like an ingest batch). */
  batchSize?: number;
  /** Time between pruning runs (default 60 s); 0 disables the timer (tests). */
  intervalMs?: number;
  /** Wait before the first run after start (default 5 s), so start-up is not slowed. */
  initialDelayMs?: number;
  /** Gives the event loop back between two batches (default: one setImmediate turn). */
  yieldBetweenBatches?: () => Promise<void>;
  /**
   * Holds ingest commits while a full VACUUM rewrites the file on another connection (the
   * pipeline's `holdWrites`); call the returned function to release. Without it, nothing is held.
   */
  holdIngest?: () => () => void;
  /** The VACUUM worker's entry (default: beside this module). */
  vacuumWorker?: WorkerEntry;
  /** How long a full VACUUM waits for the write lock before failing (default 5 s). */
  vacuumLockWaitMs?: number;
  /** Target duration of one incremental VACUUM step (default 25 ms); the page count adapts. */
  vacuumStepMs?: number;
  now?: () => number;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Pages of the first incremental VACUUM step, and the bounds its adaptive size stays within. */
const firstStepPages = 1024;
const minStepPages = 256;
const maxStepPages = 16_384;
/**
 * Log frames a reader's older snapshot (an export) may keep from being folded into the file
 * before the incremental VACUUM stops early: each step would grow the log further, and all of
 * it is copied at once when that reader ends.
 */
const maxPendingWalPages = 16_384;
/** Main's lock wait while a worker rewrites the file: any other write fails fast, not after 5 s. */
const lockWaitDuringRewriteMs = 100;

/**
 * Retention of the SceneMark history (issue #5 item 5): persisted budgets by age and by size,
 * a gauge of what is used, pruning in the background and VACUUM on demand.
 *
 * Pruning runs on an unref'd timer and after every budget change, never while both budgets are
 * 0. It deletes the oldest rows in transactions of at most `batchSize` rows and yields to the
 * event loop between them, so ingest commits and IPC interleave with it and one batch holds
 * main only briefly. The size budget is measured from page counts (pages in use, not the free
 * list): freed pages are reused by new rows, and only VACUUM gives them back to the system.
 * VACUUM (see `vacuum`) never blocks main for longer than one short step.
 */
export class RetentionService implements Disposable {
  private readonly repository: RetentionRepository;
  private readonly logger: Logger;
  private readonly publish: ((pruned: RetentionPruned) => void) | undefined;
  private readonly batchSize: number;
  private readonly intervalMs: number;
  private readonly initialDelayMs: number;
  private readonly yieldBetweenBatches: () => Promise<void>;
  private readonly holdIngest: (() => () => void) | undefined;
  private readonly vacuumWorker: WorkerEntry;
  private readonly vacuumLockWaitMs: number;
  private readonly vacuumStepMs: number;
  private readonly now: () => number;
  private budgets: RetentionBudgets;
  private running: Promise<RetentionPruned | null> | undefined;
  private rerunRequested = false;
  private stopRequested = false;
  private vacuuming = false;
  /** A worker is rewriting the file: main cannot write until it ends. */
  private rewriting = false;
  private stopVacuumWorker: (() => void) | undefined;
  private disposed = false;
  private timer: NodeJS.Timeout | undefined;
  private firstRun: NodeJS.Timeout | undefined;

  constructor(options: RetentionServiceOptions) {
    this.repository = options.repository;
    this.logger = options.logger;
    this.publish = options.publish;
    this.batchSize = options.batchSize ?? 500;
    this.intervalMs = options.intervalMs ?? 60_000;
    this.initialDelayMs = options.initialDelayMs ?? 5_000;
    this.yieldBetweenBatches = options.yieldBetweenBatches ?? yieldToEventLoop;
    this.holdIngest = options.holdIngest;
    this.vacuumWorker = options.vacuumWorker ?? defaultVacuumWorkerEntry();
    this.vacuumLockWaitMs = options.vacuumLockWaitMs ?? 5_000;
    this.vacuumStepMs = options.vacuumStepMs ?? 25;
    this.now = options.now ?? Date.now;
    this.budgets = this.repository.readBudgets();
  }

  /** Starts the pruning timer (a no-op when the interval is 0). Timers never keep the process alive. */
  start(): void {
    if (this.disposed || this.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.prune(), this.intervalMs);
    this.timer.unref();
    this.firstRun = setTimeout(() => void this.prune(), this.initialDelayMs);
    this.firstRun.unref();
  }

  /** The budgets in force. */
  getBudgets(): RetentionBudgets {
    return { ...this.budgets };
  }

  /** The gauge: file size, free pages, counts and time range, beside the budgets. */
  getUsage(): RetentionUsage {
    const size = this.repository.size();
    return {
      databaseBytes: size.databaseBytes,
      walBytes: size.walBytes,
      freeBytes: size.freeBytes,
      ...this.repository.stats(),
      budgets: this.getBudgets(),
    };
  }

  /**
   * Validates and persists a change of budgets, then starts a pruning run in the background.
   * A bad value is refused as INVALID_REQUEST naming the field (`maxAgeDays: …`).
   */
  setBudgets(patch: SetBudgetsRequest): RetentionBudgets {
    if (this.rewriting)
      throw new ContractFailure(
        'CONFLICT',
        'a VACUUM is rewriting the database; change the budgets when it ends',
      );
    const parsed = RetentionBudgets.safeParse({ ...this.budgets, ...patch });
    if (!parsed.success)
      throw new ContractFailure('INVALID_REQUEST', describeSchemaError(parsed.error, 'budgets'));
    this.repository.writeBudgets(parsed.data, this.now());
    this.budgets = parsed.data;
    this.logger.log(
      'info',
      'retention',
      `budgets set: ${describeBudget(parsed.data.maxAgeDays, 'days')}, ${describeBudget(parsed.data.maxSizeMiB, 'MiB')}`,
    );
    void this.prune();
    return this.getBudgets();
  }

  /**
   * Runs one pruning pass now, or joins the one under way (which then runs again with the
   * latest budgets). Resolves with what was removed, or null when nothing was (no budget, a
   * VACUUM running, or a failure, which is logged). Never rejects.
   */
  prune(): Promise<RetentionPruned | null> {
    if (this.disposed || this.vacuuming) return Promise.resolve(null);
    if (this.running) {
      this.rerunRequested = true;
      return this.running;
    }
    const run = this.pruneUntilSettled().finally(() => {
      this.running = undefined;
    });
    this.running = run;
    return run;
  }

  /**
   * VACUUM on demand: waits for a pruning run to stop at its next batch boundary, gives free
   * pages back to the file system and truncates the write-ahead log. Refused with CONFLICT
   * while another VACUUM runs. Main's event loop keeps turning throughout:
   * - an incremental database (every file created since) frees its pages on main's connection in
   *   short steps (`incremental_vacuum`), yielding between them, so ingest commits interleave;
   * - an old-format file (auto_vacuum NONE) is rewritten once in a worker thread on its own
   *   connection, which also switches it to incremental. The rewrite holds the write lock, so
   *   ingest holds its commits meanwhile (input keeps queueing) and resumes the moment it ends.
   * A VACUUM that fails rolls back and answers a ContractFailure naming the cause.
   */
  async vacuum(): Promise<VacuumResponse> {
    if (this.vacuuming) throw new ContractFailure('CONFLICT', 'a VACUUM is already running');
    if (this.disposed) throw new ContractFailure('UNAVAILABLE', 'the console is shutting down');
    this.vacuuming = true;
    try {
      if (this.running) {
        this.stopRequested = true;
        await this.running;
      }
      // One turn of the event loop first, so queued work (an ingest commit) goes first.
      await this.yieldBetweenBatches();
      const bytesBefore = this.repository.size().databaseBytes;
      const started = performance.now();
      const kind = this.repository.autoVacuumMode() === 'none' ? 'full' : 'incremental';
      const walTruncated = kind === 'full' ? await this.fullVacuum() : await this.incrementalVacuum();
      // Shutdown closes the connection meanwhile; what was done is kept.
      if (this.disposed) throw new ContractFailure('UNAVAILABLE', 'the console shut down during the VACUUM');
      const durationMs = performance.now() - started;
      const bytesAfter = this.repository.size().databaseBytes;
      this.logger.log(
        'info',
        'retention',
        `VACUUM (${kind}): ${bytesBefore} → ${bytesAfter} bytes in ${Math.round(durationMs)} ms` +
          (walTruncated ? '' : '; the write-ahead log is not truncated yet (another connection is using it)'),
      );
      return { bytesBefore, bytesAfter, durationMs };
    } catch (error) {
      const failure =
        error instanceof ContractFailure
          ? error
          : vacuumFailure(describeThrown(error).code, describeThrown(error).message);
      this.logger.log('warn', 'retention', failure.message);
      throw failure;
    } finally {
      this.stopRequested = this.disposed;
      this.vacuuming = false;
    }
  }

  /** Stops the timer and asks a running pass to stop at its next batch boundary. */
  dispose(): void {
    this.disposed = true;
    this.stopRequested = true;
    this.stopVacuumWorker?.();
    if (this.timer) clearInterval(this.timer);
    if (this.firstRun) clearTimeout(this.firstRun);
    this.timer = undefined;
    this.firstRun = undefined;
  }

  /**
   * Frees the pages of an incremental database in steps of one short write transaction each,
   * sized to take about `vacuumStepMs`, yielding to the event loop between them.
   */
  private async incrementalVacuum(): Promise<boolean> {
    let pages = firstStepPages;
    while (!this.disposed) {
      const started = performance.now();
      const step = this.repository.incrementalVacuumStep(pages);
      if (step.remaining === 0 || step.freed === 0) break;
      // The moved pages are folded into the file as the step goes (main's own share of the
      // work is part of the step's time), so the last truncation has little left to copy.
      const pendingFrames = this.repository.checkpointPassive();
      const elapsedMs = Math.max(1, performance.now() - started);
      if (pendingFrames > maxPendingWalPages) {
        this.logger.log(
          'warn',
          'retention',
          `VACUUM stopped early with ${step.remaining} free pages left: a reader (an export?) keeps the log from being folded in`,
        );
        break;
      }
      const scaled = Math.round((pages * this.vacuumStepMs) / elapsedMs);
      pages = Math.min(maxStepPages, Math.max(minStepPages, Math.min(scaled, pages * 2)));
      await this.yieldBetweenBatches();
    }
    return this.truncateWal();
  }

  /**
   * Rewrites an old-format file in a worker thread. Main's connection meanwhile stops folding
   * the log back in by itself (the rewritten file lands in the log, and copying it on main
   * would block it): the worker folds it in and truncates it.
   */
  private async fullVacuum(): Promise<boolean> {
    const file = this.repository.databaseFile();
    if (file === null) {
      // An in-memory database cannot be opened by a worker (tests only; it is small).
      this.repository.vacuumInPlace();
      return this.truncateWal();
    }
    let releaseIngest = this.holdIngest?.();
    const lockWait = this.repository.setBusyTimeout(lockWaitDuringRewriteMs);
    const autoCheckpoint = this.repository.setAutoCheckpoint(0);
    let rewriting = true;
    this.rewriting = true;
    const resume = (): void => {
      if (!rewriting) return;
      rewriting = false;
      this.rewriting = false;
      if (!this.disposed) this.repository.setBusyTimeout(lockWait);
      releaseIngest?.();
      releaseIngest = undefined;
    };
    const shared = new SharedArrayBuffer(8);
    const flags = new Int32Array(shared);
    const signal = (slot: number): void => {
      Atomics.store(flags, slot, 1);
      Atomics.notify(flags, slot);
    };
    this.stopVacuumWorker = () => {
      signal(vacuumFlag.cancel);
      signal(vacuumFlag.truncate); // wakes a worker waiting for it; it then sees the cancel
    };
    let releaseForTruncate: (() => void) | undefined;
    try {
      const outcome = await runVacuumWorker(
        this.vacuumWorker,
        { databaseFile: file, lockWaitMs: this.vacuumLockWaitMs, flags: shared },
        {
          onRewritten: resume,
          // Truncating a big log holds the write lock for a moment: ingest waits for it queued,
          // rather than blocking main in a commit.
          onFolded: () => {
            releaseForTruncate = this.holdIngest?.();
            signal(vacuumFlag.truncate);
          },
        },
      );
      if (!outcome.walFolded)
        this.logger.log('warn', 'retention', 'the VACUUM log could not be folded back in yet');
      return outcome.walTruncated;
    } finally {
      this.stopVacuumWorker = undefined;
      resume();
      releaseForTruncate?.();
      if (!this.disposed) this.repository.setAutoCheckpoint(autoCheckpoint);
    }
  }

  /** Truncates the log when no other connection uses it, trying a few times without waiting long. */
  private async truncateWal(): Promise<boolean> {
    for (let attempt = 0; attempt < 5 && !this.disposed; attempt += 1) {
      if (this.repository.truncateWal()) return true;
      await delay(20);
    }
    return false;
  }

  private async pruneUntilSettled(): Promise<RetentionPruned | null> {
    let last: RetentionPruned | null = null;
    do {
      this.rerunRequested = false;
      const result = await this.pruneOnce();
      if (result) last = result;
    } while (this.rerunRequested && !this.stopRequested);
    return last;
  }

  private async pruneOnce(): Promise<RetentionPruned | null> {
    const budgets = this.budgets;
    if (budgets.maxAgeDays === 0 && budgets.maxSizeMiB === 0) return null;
    const started = performance.now();
    const total: PruneBatch = { sceneMarks: 0, sceneData: 0, rejects: 0 };
    const reasons = new Set<PruneReason>();
    let batches = 0;
    const count = (batch: PruneBatch, reason: PruneReason): number => {
      batches += 1;
      total.sceneMarks += batch.sceneMarks;
      total.sceneData += batch.sceneData;
      total.rejects += batch.rejects;
      const removed = batch.sceneMarks + batch.sceneData + batch.rejects;
      if (removed > 0) reasons.add(reason);
      return removed;
    };
    try {
      if (budgets.maxAgeDays > 0) {
        const cutoffMs = this.now() - budgets.maxAgeDays * dayMs;
        while (!this.stopRequested) {
          const batch = this.repository.pruneSceneMarksBefore(cutoffMs, this.batchSize);
          count(batch, 'age');
          if (batch.sceneMarks < this.batchSize) break;
          await this.yieldBetweenBatches();
        }
        while (!this.stopRequested) {
          const batch = this.repository.pruneOthersBefore(cutoffMs, this.batchSize);
          count(batch, 'age');
          if (batch.sceneData < this.batchSize && batch.rejects < this.batchSize) break;
          await this.yieldBetweenBatches();
        }
      }
      if (budgets.maxSizeMiB > 0) {
        const budgetBytes = budgets.maxSizeMiB * mebibyte;
        while (!this.stopRequested && this.repository.size().usedBytes > budgetBytes) {
          if (count(this.repository.pruneOldestSceneMarks(this.batchSize), 'size') === 0) break;
          await this.yieldBetweenBatches();
        }
      }
    } catch (error) {
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      this.logger.log(
        'error',
        'retention',
        'pruning failed; nothing more is removed until the next run',
        detail,
      );
    }
    if (total.sceneMarks + total.sceneData + total.rejects === 0) return null;
    const pruned: RetentionPruned = {
      reasons: [...reasons],
      ...total,
      batches,
      durationMs: performance.now() - started,
      atMs: this.now(),
    };
    this.logger.log(
      'info',
      'retention',
      `pruned ${pruned.sceneMarks} SceneMarks, ${pruned.sceneData} SceneData, ${pruned.rejects} rejects ` +
        `(${pruned.reasons.join(' and ')} budget) in ${batches} batches, ${Math.round(pruned.durationMs)} ms`,
    );
    this.publish?.(pruned);
    return pruned;
  }
}

function describeBudget(value: number, unit: string): string {
  return value === 0 ? `no ${unit === 'days' ? 'age' : 'size'} limit` : `${value} ${unit}`;
}
