import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../../../../src-main/core/util/logger';
import type { IngestPipeline } from '../../../../src-main/services/scenemarks/ingestPipeline';
import { RetentionRepository } from '../../../../src-main/services/scenemarks/retentionRepository';
import { RetentionService } from '../../../../src-main/services/scenemarks/retentionService';
import { migrate } from '../../../../src-main/services/store/migrations';
import { SceneMarkMinutes } from '../../../../src-main/services/scenemarks/sceneMarkMinutes';
import {
  SceneMarkRepository,
  storeSceneMark,
  type StoreItem,
} from '../../../../src-main/services/scenemarks/sceneMarkRepository';
import { migrations, parsedSceneMark } from './ingestFixture';

/** How a history is grown: real SceneMarks, then padded copies of them to reach a size fast. */
export interface GrowOptions {
  idPrefix: string;
  startMs: number;
  /** SceneMarks generated and stored through the repository, like ingest does. */
  seeds: number;
  /** Copies of each seed inserted by SQL (ids `<id>~<n>`, same minute), 0 for none. */
  copies: number;
  /** Random bytes appended to each copy's original, to make the file big quickly. */
  padBytes: number;
}

/** Grows the history of `db`; returns the SceneMarks added. */
export function growHistory(db: Database.Database, options: GrowOptions): number {
  const repository = new SceneMarkRepository(db);
  for (let first = 0; first < options.seeds; first += 500) {
    const items: StoreItem[] = [];
    for (let index = first; index < Math.min(options.seeds, first + 500); index += 1)
      items.push(
        storeSceneMark(
          parsedSceneMark(index, { startMs: options.startMs, idPrefix: options.idPrefix }),
          'test',
          options.startMs,
        ),
      );
    repository.writeBatch(items);
  }
  if (options.copies > 0)
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @copies)
       INSERT INTO scenemarks (scenemark_id, time_ms, device_id, node_id, port_id, event_type, status,
         item_types, highest_probability, schema_version, revision, original, source, received_ms)
       SELECT scenemark_id || '~' || i, time_ms + i, device_id, node_id, port_id, event_type, status,
         item_types, highest_probability, schema_version, revision, CAST(original || randomblob(@pad) AS BLOB),
         source, received_ms
       FROM scenemarks, n WHERE scenemark_id LIKE @prefix || '%'`,
    ).run({ copies: options.copies, pad: options.padBytes, prefix: options.idPrefix });
  new SceneMarkMinutes(db).recount();
  // Start from a file without a pending log, as a console that has been running would have.
  db.pragma('wal_checkpoint(TRUNCATE)');
  return options.seeds * (options.copies + 1);
}

/** Bytes the database takes on disk: the file and its write-ahead log. */
export function bytesOnDisk(file: string): { file: number; wal: number; total: number } {
  const size = (path: string): number => {
    try {
      return statSync(path).size;
    } catch {
      return 0;
    }
  };
  const main = size(file);
  const wal = size(`${file}-wal`);
  return { file: main, wal, total: main + wal };
}

/**
 * A file as every console made it before incremental auto-vacuum: WAL, auto_vacuum NONE,
 * migrated to the newest schema.
 */
export function createOldFormatDatabase(file: string): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  migrate(db, migrations);
  db.close();
}

/** What `watchEventLoop` saw: the worst lag, and every tick's lag with its time. */
export interface EventLoopWatch {
  maxLagMs: number;
  ticks: number;
  /** Worst lag of the ticks that came between `fromMs` and `toMs` (performance.now()). */
  maxLagBetween(fromMs: number, toMs: number): number;
  /** Ticks that came between `fromMs` and `toMs`. */
  ticksBetween(fromMs: number, toMs: number): number;
}

/**
 * Watches main's event loop with a short interval timer: the lag is how late a tick came. Call
 * the returned function to stop and read what it saw.
 */
export function watchEventLoop(intervalMs = 5): () => EventLoopWatch {
  let last = performance.now();
  const samples: { atMs: number; lagMs: number }[] = [];
  const tick = (): void => {
    const now = performance.now();
    samples.push({ atMs: now, lagMs: Math.max(0, now - last - intervalMs) });
    last = now;
  };
  const timer = setInterval(tick, intervalMs);
  return () => {
    clearInterval(timer);
    tick();
    const within = (fromMs: number, toMs: number) =>
      samples.filter((sample) => sample.atMs >= fromMs && sample.atMs - sample.lagMs - intervalMs <= toMs);
    return {
      maxLagMs: Math.max(...samples.map((sample) => sample.lagMs)),
      ticks: samples.length,
      maxLagBetween: (fromMs, toMs) => Math.max(0, ...within(fromMs, toMs).map((sample) => sample.lagMs)),
      ticksBetween: (fromMs, toMs) => within(fromMs, toMs).length,
    };
  };
}

/** `SELECT count(*)` of `sql`'s rows. */
export function countRows(db: Database.Database, sql: string): number {
  return (db.prepare(`SELECT count(*) AS n FROM (${sql})`).get() as { n: number }).n;
}

/** When ingest was held and released (performance.now()); `releasedAt` unset while held. */
export interface IngestHold {
  heldAt: number;
  releasedAt?: number;
}

/**
 * A RetentionService over `db` as the console sets it up, that records each hold of `ingest`
 * and times each incremental VACUUM step. Without `ingest`, a hold is an error (an incremental
 * VACUUM holds nothing).
 */
export function timedRetention(
  db: Database.Database,
  options: { nowMs: number; ingest?: IngestPipeline; vacuumLockWaitMs?: number },
): { retention: RetentionService; holds: IngestHold[]; steps: number[] } {
  const holds: IngestHold[] = [];
  const steps: number[] = [];
  const repository = new RetentionRepository(db);
  const step = repository.incrementalVacuumStep.bind(repository);
  repository.incrementalVacuumStep = (pages) => {
    const started = performance.now();
    const result = step(pages);
    steps.push(performance.now() - started);
    return result;
  };
  const { ingest } = options;
  const retention = new RetentionService({
    repository,
    logger: silentLogger,
    intervalMs: 0,
    now: () => options.nowMs,
    holdIngest: () => {
      if (!ingest) throw new Error('an incremental VACUUM holds nothing');
      const hold: IngestHold = { heldAt: performance.now() };
      holds.push(hold);
      const release = ingest.holdWrites();
      return () => {
        hold.releasedAt ??= performance.now();
        release();
      };
    },
    ...(options.vacuumLockWaitMs !== undefined ? { vacuumLockWaitMs: options.vacuumLockWaitMs } : {}),
  });
  return { retention, holds, steps };
}
