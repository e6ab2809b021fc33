import type Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import type { RetentionBudgets } from '../../../src-shared/contract/retentionContract';
import type { WalCheckpointRow } from '../store/walCheckpointRow';

/** What one pruning transaction removed. */
export interface PruneBatch {
  sceneMarks: number;
  /** SceneData rows of the removed SceneMarks, or unattached ones past the age budget. */
  sceneData: number;
  rejects: number;
}

/** Size of the database as SQLite sees it. */
export interface DatabaseSize {
  /** page_count × page_size plus the write-ahead log. */
  databaseBytes: number;
  walBytes: number;
  /** Pages on the freelist: inside the file, free for reuse. */
  freeBytes: number;
  /** Pages holding data: what the size budget is measured against. */
  usedBytes: number;
}

/** Counts and time range of the stored history. */
export interface HistoryStats {
  sceneMarks: number;
  rejects: number;
  oldestSceneMarkMs: number | null;
  newestSceneMarkMs: number | null;
}

/**
 * The SQL of retention (migration 0005 and the history tables of 0004): the persisted budgets,
 * the size gauge, and pruning in small transactions. Each prune method deletes at most `limit`
 * rows of its table in one IMMEDIATE transaction and returns what it removed, so the caller
 * decides when to yield. Deleting a SceneMark removes its detected objects through ON DELETE
 * CASCADE and its SceneData rows here. The pragmas of VACUUM on demand live here too.
 */
export class RetentionRepository {
  private readonly selectBudgets: Database.Statement<[], { max_age_days: number; max_size_mib: number }>;
  private readonly updateBudgets: Database.Statement<[number, number, number]>;
  private readonly deleteSceneMarksBefore: Database.Statement<[number, number], { scenemark_id: string }>;
  private readonly deleteOldestSceneMarks: Database.Statement<[number], { scenemark_id: string }>;
  private readonly deleteSceneDataOf: Database.Statement<[string]>;
  private readonly deleteUnattachedSceneDataBefore: Database.Statement<[number, number]>;
  private readonly deleteRejectsBefore: Database.Statement<[number, number]>;
  private readonly selectOldestTime: Database.Statement<[], { t: number | null }>;
  private readonly selectNewestTime: Database.Statement<[], { t: number | null }>;
  private readonly countSceneMarks: Database.Statement<[], { n: number }>;
  private readonly countRejects: Database.Statement<[], { n: number }>;
  private readonly pruneBeforeTransaction: Database.Transaction<
    (cutoffMs: number, limit: number) => PruneBatch
  >;
  private readonly pruneOldestTransaction: Database.Transaction<(limit: number) => PruneBatch>;
  private readonly pruneOtherTransaction: Database.Transaction<
    (cutoffMs: number, limit: number) => PruneBatch
  >;

  constructor(private readonly db: Database.Database) {
    this.selectBudgets = db.prepare('SELECT max_age_days, max_size_mib FROM retention_budgets WHERE id = 1');
    this.updateBudgets = db.prepare(
      `INSERT INTO retention_budgets (id, max_age_days, max_size_mib, updated_ms) VALUES (1, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET max_age_days = excluded.max_age_days,
         max_size_mib = excluded.max_size_mib, updated_ms = excluded.updated_ms`,
    );
    // Oldest first through scenemarks_by_time, so a batch touches neighbouring pages.
    this.deleteSceneMarksBefore = db.prepare(
      `DELETE FROM scenemarks WHERE id IN (
         SELECT id FROM scenemarks WHERE time_ms < ? ORDER BY time_ms, id LIMIT ?
       ) RETURNING scenemark_id`,
    );
    this.deleteOldestSceneMarks = db.prepare(
      `DELETE FROM scenemarks WHERE id IN (
         SELECT id FROM scenemarks ORDER BY time_ms, id LIMIT ?
       ) RETURNING scenemark_id`,
    );
    this.deleteSceneDataOf = db.prepare('DELETE FROM scene_data WHERE scenemark_id = ?');
    this.deleteUnattachedSceneDataBefore = db.prepare(
      `DELETE FROM scene_data WHERE scene_data_id IN (
         SELECT scene_data_id FROM scene_data
         WHERE received_ms < ? AND (scenemark_id IS NULL OR NOT EXISTS (
           SELECT 1 FROM scenemarks WHERE scenemarks.scenemark_id = scene_data.scenemark_id))
         ORDER BY received_ms LIMIT ?
       )`,
    );
    this.deleteRejectsBefore = db.prepare(
      `DELETE FROM rejects WHERE id IN (
         SELECT id FROM rejects WHERE received_ms < ? ORDER BY received_ms LIMIT ?
       )`,
    );
    this.selectOldestTime = db.prepare('SELECT min(time_ms) AS t FROM scenemarks');
    this.selectNewestTime = db.prepare('SELECT max(time_ms) AS t FROM scenemarks');
    this.countSceneMarks = db.prepare('SELECT count(*) AS n FROM scenemarks');
    this.countRejects = db.prepare('SELECT count(*) AS n FROM rejects');

    this.pruneBeforeTransaction = db.transaction((cutoffMs: number, limit: number) =>
      this.removeSceneData(this.deleteSceneMarksBefore.all(cutoffMs, limit)),
    );
    this.pruneOldestTransaction = db.transaction((limit: number) => {
      const batch = this.removeSceneData(this.deleteOldestSceneMarks.all(limit));
      // Rejects older than the oldest SceneMark kept go with the history they belonged to.
      const oldest = this.selectOldestTime.get()?.t ?? Number.MAX_SAFE_INTEGER;
      batch.rejects = this.deleteRejectsBefore.run(oldest, limit).changes;
      return batch;
    });
    this.pruneOtherTransaction = db.transaction((cutoffMs: number, limit: number) => ({
      sceneMarks: 0,
      sceneData: this.deleteUnattachedSceneDataBefore.run(cutoffMs, limit).changes,
      rejects: this.deleteRejectsBefore.run(cutoffMs, limit).changes,
    }));
  }

  /** The persisted budgets (one row, created by migration 0005 with the keep-everything defaults). */
  readBudgets(): RetentionBudgets {
    const row = this.selectBudgets.get();
    return { maxAgeDays: row?.max_age_days ?? 0, maxSizeMiB: row?.max_size_mib ?? 0 };
  }

  /** Persists validated budgets. */
  writeBudgets(budgets: RetentionBudgets, nowMs: number): void {
    this.updateBudgets.run(budgets.maxAgeDays, budgets.maxSizeMiB, nowMs);
  }

  /** Deletes at most `limit` SceneMarks with a TimeStamp before `cutoffMs`, oldest first. */
  pruneSceneMarksBefore(cutoffMs: number, limit: number): PruneBatch {
    return this.pruneBeforeTransaction.immediate(cutoffMs, limit);
  }

  /**
   * Deletes at most `limit` of the oldest SceneMarks, then at most `limit` rejects received
   * before the oldest SceneMark that remains (all of them, batch by batch, once none remains).
   */
  pruneOldestSceneMarks(limit: number): PruneBatch {
    return this.pruneOldestTransaction.immediate(limit);
  }

  /** Deletes at most `limit` rejects and `limit` unattached SceneData rows received before `cutoffMs`. */
  pruneOthersBefore(cutoffMs: number, limit: number): PruneBatch {
    return this.pruneOtherTransaction.immediate(cutoffMs, limit);
  }

  /** The gauge of the file, from page counts (cheap: no table is read). */
  size(): DatabaseSize {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const pageCount = this.db.pragma('page_count', { simple: true }) as number;
    const freelist = this.db.pragma('freelist_count', { simple: true }) as number;
    const walBytes = this.walBytes();
    return {
      databaseBytes: pageCount * pageSize + walBytes,
      walBytes,
      freeBytes: freelist * pageSize,
      usedBytes: (pageCount - freelist) * pageSize,
    };
  }

  /** Row counts and the time range of the stored SceneMarks. */
  stats(): HistoryStats {
    return {
      sceneMarks: this.countSceneMarks.get()?.n ?? 0,
      rejects: this.countRejects.get()?.n ?? 0,
      oldestSceneMarkMs: this.selectOldestTime.get()?.t ?? null,
      newestSceneMarkMs: this.selectNewestTime.get()?.t ?? null,
    };
  }

  /** The file the connection has open, or null for an in-memory database. */
  databaseFile(): string | null {
    return this.db.memory ? null : this.db.name;
  }

  /**
   * How the file gives free pages back: 'none' (only a full VACUUM does), 'incremental'
   * (incremental_vacuum steps) or 'full' (every commit). The header is read afresh, since a
   * VACUUM on another connection changes it.
   */
  autoVacuumMode(): 'none' | 'full' | 'incremental' {
    this.db.pragma('page_count', { simple: true }); // starts a read, so the header is current
    const mode = this.db.pragma('auto_vacuum', { simple: true }) as number;
    return mode === 2 ? 'incremental' : mode === 1 ? 'full' : 'none';
  }

  /**
   * Gives at most `pages` free pages back to the file system in one short write transaction
   * (`PRAGMA incremental_vacuum`, on an incremental database). Returns how many went and how
   * many remain on the freelist.
   */
  incrementalVacuumStep(pages: number): { freed: number; remaining: number } {
    const before = this.freelistCount();
    // exec steps the pragma to its end; a single step of the statement would free one page.
    this.db.exec(`PRAGMA incremental_vacuum(${Math.max(1, Math.floor(pages))})`);
    const remaining = this.freelistCount();
    return { freed: before - remaining, remaining };
  }

  /**
   * Copies what it can of the write-ahead log into the file without waiting for anyone
   * (PASSIVE), and returns the frames a reader's older snapshot still keeps in the log: 0 when
   * another checkpoint (the checkpointer thread) holds the log at the moment.
   */
  checkpointPassive(): number {
    const [row] = this.db.pragma('wal_checkpoint(PASSIVE)') as WalCheckpointRow[];
    return row && row.busy === 0 && row.log > 0 ? row.log - row.checkpointed : 0;
  }

  /**
   * Folds the write-ahead log into the file and truncates it to zero bytes, if no other
   * connection is writing or reading an older snapshot right now: it never waits for one.
   */
  truncateWal(): boolean {
    const previous = this.setBusyTimeout(0);
    try {
      const [row] = this.db.pragma('wal_checkpoint(TRUNCATE)') as WalCheckpointRow[];
      return row?.busy === 0;
    } finally {
      this.setBusyTimeout(previous);
    }
  }

  /**
   * Rewrites the file on this connection, switching it to incremental auto-vacuum. Holds main
   * for the whole rewrite: only for in-memory databases, which no worker can open.
   */
  vacuumInPlace(): void {
    this.db.pragma('auto_vacuum = INCREMENTAL');
    this.db.exec('VACUUM');
  }

  /** Sets how long this connection waits for a lock; returns the previous value (ms). */
  setBusyTimeout(ms: number): number {
    const previous = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(ms))}`);
    return previous;
  }

  /** Sets this connection's automatic checkpoint threshold (0 = off); returns the previous one. */
  setAutoCheckpoint(pages: number): number {
    const previous = this.db.pragma('wal_autocheckpoint', { simple: true }) as number;
    this.db.pragma(`wal_autocheckpoint = ${Math.max(0, Math.floor(pages))}`);
    return previous;
  }

  private freelistCount(): number {
    return this.db.pragma('freelist_count', { simple: true }) as number;
  }

  private removeSceneData(removed: readonly { scenemark_id: string }[]): PruneBatch {
    let sceneData = 0;
    for (const row of removed) sceneData += this.deleteSceneDataOf.run(row.scenemark_id).changes;
    return { sceneMarks: removed.length, sceneData, rejects: 0 };
  }

  private walBytes(): number {
    if (this.db.memory) return 0;
    try {
      return statSync(`${this.db.name}-wal`).size;
    } catch {
      // No log file (checkpointed and removed, or not in WAL mode): nothing to add.
      return 0;
    }
  }
}
