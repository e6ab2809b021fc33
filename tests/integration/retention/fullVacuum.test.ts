import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateSceneMark } from '../../../bench/support/sceneMarkGenerator';
import { silentLogger } from '../../../src-main/core/util/logger';
import { ContractFailure } from '../../../src-main/services/contract/contractFailure';
import { IngestPipeline } from '../../../src-main/services/scenemarks/ingestPipeline';
import type { RetentionService } from '../../../src-main/services/scenemarks/retentionService';
import { SceneMarkRepository } from '../../../src-main/services/scenemarks/sceneMarkRepository';
import { openDatabase } from '../../../src-main/services/store/database';
import { WalCheckpointer } from '../../../src-main/services/store/walCheckpointer';
import { migrations } from '../../unit/services/scenemarks/ingestFixture';
import {
  bytesOnDisk,
  countRows,
  createOldFormatDatabase,
  growHistory,
  timedRetention,
  watchEventLoop,
  type IngestHold,
} from '../../unit/services/scenemarks/retentionVacuumFixture';

const dayMs = 24 * 60 * 60 * 1000;
const nowMs = Date.parse('2026-03-01T00:00:00.000Z');

let tmp: string;
let file: string;
let db: Database.Database;
let ingest: IngestPipeline;
let checkpointer: WalCheckpointer | undefined;
/** When ingest was held and released, in order (performance.now()). */
let holds: IngestHold[];

/**
 * An old-format (auto_vacuum NONE) console database, opened as the console opens it, with or
 * without the thread that takes WAL checkpoints off main's connection.
 */
async function openOldFormat(withCheckpointer = false): Promise<void> {
  file = join(tmp, 'nice-console.sqlite');
  createOldFormatDatabase(file);
  db = openDatabase(file, migrations).db;
  ingest = new IngestPipeline({ repository: new SceneMarkRepository(db), logger: silentLogger });
  if (withCheckpointer) {
    checkpointer = new WalCheckpointer({ db, databaseFile: file, logger: silentLogger });
    expect(await checkpointer.running).toBe(true);
  }
}

function retentionService(options: { vacuumLockWaitMs?: number } = {}): RetentionService {
  const timed = timedRetention(db, { nowMs, ingest, ...options });
  holds = timed.holds;
  return timed.retention;
}

/** Submits 20 live SceneMarks every 10 ms, as a busy site would; stop() returns how many. */
function feedIngest(): { stop: () => number; maxQueueDepth: () => number } {
  let submitted = 0;
  let maxQueueDepth = 0;
  const timer = setInterval(() => {
    for (let index = 0; index < 20; index += 1)
      ingest.submit(generateSceneMark(submitted++, { startMs: nowMs, idPrefix: 'LIVE' }), 'test');
    maxQueueDepth = Math.max(maxQueueDepth, ingest.queueDepth);
  }, 10);
  return {
    stop: () => {
      clearInterval(timer);
      return submitted;
    },
    maxQueueDepth: () => maxQueueDepth,
  };
}

const autoVacuum = (): number => db.pragma('auto_vacuum', { simple: true }) as number;

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'nice-full-vacuum-'));
  holds = [];
});
afterEach(() => {
  checkpointer?.dispose();
  checkpointer = undefined;
  ingest.dispose();
  if (db.open) db.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('VACUUM of an old-format database (worker thread)', () => {
  it.each([
    ['', false],
    [', with the WAL checkpointer thread running as in the console', true],
  ])(
    'rewrites it smaller and incremental while main keeps turning and ingest loses nothing%s',
    async (_, withCheckpointer) => {
      await openOldFormat(withCheckpointer);
      const autoCheckpoint = db.pragma('wal_autocheckpoint', { simple: true }) as number;
      expect(autoVacuum()).toBe(0);
      growHistory(db, {
        idPrefix: 'OLD',
        startMs: nowMs - 40 * dayMs,
        seeds: 300,
        copies: 40,
        padBytes: 8000,
      });
      const kept = growHistory(db, {
        idPrefix: 'NEW',
        startMs: nowMs - dayMs,
        seeds: 300,
        copies: 40,
        padBytes: 8000,
      });
      const retention = retentionService();
      retention.setBudgets({ maxAgeDays: 7 });
      await retention.prune();
      const before = bytesOnDisk(file);
      expect(retention.getUsage().freeBytes).toBeGreaterThan(before.file / 3);

      const feed = feedIngest();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const stop = watchEventLoop();
      const result = await retention.vacuum();
      const walAtEnd = bytesOnDisk(file).wal; // before ingest resumes
      const lag = stop();
      const submitted = feed.stop();
      await ingest.drained();

      // The log holding the rewritten file was folded back in and truncated.
      expect(walAtEnd).toBe(0);

      const after = bytesOnDisk(file);
      expect(autoVacuum()).toBe(2);
      expect(result.bytesBefore).toBe(before.total);
      expect(result.bytesAfter).toBeLessThan(result.bytesBefore * 0.6);
      expect(after.file).toBeLessThan(before.file * 0.6);
      // Ingest was held for the rewrite, then for the truncation of the log.
      const [rewrite, truncate] = holds;
      const rewriteStart = rewrite?.heldAt ?? 0;
      const rewriteEnd = rewrite?.releasedAt ?? 0;
      const rewriteMs = rewriteEnd - rewriteStart;
      expect(truncate).toBeDefined();
      expect(holds.every((hold) => hold.releasedAt !== undefined)).toBe(true);
      // Main's loop kept turning while another thread rewrote the file: ticks kept coming, and no
      // single stall covered half the rewrite (a VACUUM on main would be one stall as long as the
      // rewrite, with one late tick). Relative only, so a loaded machine cannot fail it; how
      // late ticks come is measured by `npm run bench -- vacuum`.
      const lagDuringRewrite = lag.maxLagBetween(rewriteStart, rewriteEnd);
      expect(lag.ticksBetween(rewriteStart, rewriteEnd)).toBeGreaterThan(2);
      expect(lagDuringRewrite).toBeLessThan(rewriteMs / 2);
      // Ingest queued while the file was rewritten, never hit the lock, and stored everything.
      expect(feed.maxQueueDepth()).toBeGreaterThan(20);
      expect(ingest.counters()).toMatchObject({ dropped: 0, storeErrors: 0 });
      expect(countRows(db, "SELECT 1 FROM scenemarks WHERE scenemark_id LIKE 'LIVE%'")).toBe(submitted);
      expect(countRows(db, "SELECT 1 FROM scenemarks WHERE scenemark_id LIKE 'NEW%'")).toBe(kept);
      expect(countRows(db, "SELECT 1 FROM scenemarks WHERE scenemark_id LIKE 'OLD%'")).toBe(0);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      // Main's connection is back to its usual lock wait and checkpoints.
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(autoCheckpoint);

      // Converted: the next VACUUM frees pages in steps on main, without a worker.
      retention.setBudgets({ maxAgeDays: 0 });
      db.exec("DELETE FROM scenemarks WHERE scenemark_id LIKE 'NEW%~1%'");
      const second = await retention.vacuum();
      expect(second.bytesAfter).toBeLessThan(second.bytesBefore);
      expect(db.pragma('freelist_count', { simple: true })).toBe(0);
      retention.dispose();
    },
  );

  it('answers CONFLICT naming the lock when it cannot start, deletes nothing, and ingest resumes', async () => {
    await openOldFormat();
    growHistory(db, { idPrefix: 'OLD', startMs: nowMs - 40 * dayMs, seeds: 200, copies: 2, padBytes: 1000 });
    const rowsBefore = countRows(db, 'SELECT 1 FROM scenemarks');
    const retention = retentionService({ vacuumLockWaitMs: 300 });
    // Another process writing: it holds the write lock until it commits.
    const blocker = openDatabase(file, migrations).db;
    blocker.exec('BEGIN IMMEDIATE');

    const feed = feedIngest();
    const vacuum = retention.vacuum().catch((error: unknown) => {
      blocker.exec('COMMIT'); // before ingest's held commit runs on the next timer
      return error;
    });
    // While the worker tries to rewrite, main writes nothing of its own either.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(() => retention.setBudgets({ maxAgeDays: 1 })).toThrow(/a VACUUM is rewriting the database/);
    const failure = await vacuum;
    const submitted = feed.stop();
    blocker.close();
    await ingest.drained();

    expect(failure).toBeInstanceOf(ContractFailure);
    expect(failure).toMatchObject({ code: 'CONFLICT' });
    expect((failure as Error).message).toMatch(
      /locked by another connection \(SQLITE_BUSY\).*history is intact/,
    );
    expect(autoVacuum()).toBe(0);
    expect(countRows(db, "SELECT 1 FROM scenemarks WHERE scenemark_id LIKE 'OLD%'")).toBe(rowsBefore);
    expect(submitted).toBeGreaterThan(0);
    expect(countRows(db, "SELECT 1 FROM scenemarks WHERE scenemark_id LIKE 'LIVE%'")).toBe(submitted);
    expect(ingest.counters()).toMatchObject({ dropped: 0, storeErrors: 0 });
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    // And a VACUUM once the lock is free goes through.
    await expect(retention.vacuum()).resolves.toMatchObject({ bytesBefore: expect.any(Number) as unknown });
    expect(autoVacuum()).toBe(2);
    retention.dispose();
  });
});
