import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateSceneMark } from '../../../../bench/support/sceneMarkGenerator';
import { silentLogger } from '../../../../src-main/core/util/logger';
import { ContractFailure } from '../../../../src-main/services/contract/contractFailure';
import { IngestPipeline } from '../../../../src-main/services/scenemarks/ingestPipeline';
import { RetentionRepository } from '../../../../src-main/services/scenemarks/retentionRepository';
import { RetentionService } from '../../../../src-main/services/scenemarks/retentionService';
import { SceneMarkRepository } from '../../../../src-main/services/scenemarks/sceneMarkRepository';
import { vacuumFailure } from '../../../../src-main/services/scenemarks/vacuumFailure';
import { migrate } from '../../../../src-main/services/store/migrations';
import { migrations, openIngestDatabase } from './ingestFixture';
import {
  bytesOnDisk,
  countRows,
  createOldFormatDatabase,
  growHistory,
  timedRetention,
  watchEventLoop,
} from './retentionVacuumFixture';

const dayMs = 24 * 60 * 60 * 1000;
const nowMs = Date.parse('2026-03-01T00:00:00.000Z');

let tmp: string;
const opened: Database.Database[] = [];

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'nice-vacuum-'));
});
afterEach(() => {
  for (const db of opened.splice(0)) if (db.open) db.close();
  rmSync(tmp, { recursive: true, force: true });
});

function open(file = ':memory:'): Database.Database {
  const db = openIngestDatabase(file);
  opened.push(db);
  return db;
}

const autoVacuum = (db: Database.Database): number => db.pragma('auto_vacuum', { simple: true }) as number;

describe('incremental auto-vacuum', () => {
  it('is set on new database files, and an old-format file keeps NONE until its first VACUUM', () => {
    const file = join(tmp, 'new.sqlite');
    expect(autoVacuum(open(file))).toBe(2);
    opened.pop()?.close();
    expect(autoVacuum(open(file))).toBe(2); // persisted in the file
    expect(autoVacuum(open())).toBe(2);

    const old = join(tmp, 'old.sqlite');
    createOldFormatDatabase(old);
    const db = open(old);
    expect(autoVacuum(db)).toBe(0);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
  });
});

describe('RetentionService.vacuum on an incremental database', () => {
  it('gives a grown then pruned file back in short steps while ingest commits interleave', async () => {
    const file = join(tmp, 'history.sqlite');
    const db = open(file);
    growHistory(db, { idPrefix: 'OLD', startMs: nowMs - 40 * dayMs, seeds: 300, copies: 20, padBytes: 8000 });
    const kept = growHistory(db, {
      idPrefix: 'NEW',
      startMs: nowMs - dayMs,
      seeds: 100,
      copies: 20,
      padBytes: 8000,
    });
    const { retention, steps } = timedRetention(db, { nowMs });
    retention.setBudgets({ maxAgeDays: 7 });
    await retention.prune();
    expect(countRows(db, "SELECT 1 FROM scenemarks WHERE scenemark_id LIKE 'OLD%'")).toBe(0);
    const before = bytesOnDisk(file);
    expect(retention.getUsage().freeBytes).toBeGreaterThan(before.file / 2);

    // Live SceneMarks keep coming during the VACUUM, on the same connection.
    const ingest = new IngestPipeline({ repository: new SceneMarkRepository(db), logger: silentLogger });
    let submitted = 0;
    const feed = setInterval(() => {
      for (let index = 0; index < 20; index += 1)
        ingest.submit(generateSceneMark(submitted++, { startMs: nowMs, idPrefix: 'LIVE' }), 'test');
    }, 10);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const stop = watchEventLoop();
    const storedAtStart = ingest.counters().stored;
    const result = await retention.vacuum();
    const storedDuring = ingest.counters().stored - storedAtStart;
    clearInterval(feed);
    const lag = stop();
    await ingest.drained();
    ingest.dispose();

    const after = bytesOnDisk(file);
    expect(result.bytesBefore).toBe(before.total);
    expect(result.bytesAfter).toBeLessThan(result.bytesBefore / 2);
    expect(after.file).toBeLessThan(before.file / 2);
    // Truncated, then only the commits of the live SceneMarks since.
    expect(after.wal).toBeLessThan(1024 * 1024);
    expect(db.pragma('freelist_count', { simple: true })).toBe(0);
    // Several steps, main's loop turning between them, and ingest committing meanwhile (how
    // long a step takes and how late ticks come is measured by `npm run bench -- vacuum`).
    expect(steps.length).toBeGreaterThan(3);
    expect(lag.ticks).toBeGreaterThan(1);
    expect(lag.maxLagMs).toBeLessThan(steps.reduce((sum, ms) => sum + ms, 0));
    expect(storedDuring).toBeGreaterThan(0);
    expect(countRows(db, "SELECT 1 FROM scenemarks WHERE scenemark_id LIKE 'LIVE%'")).toBe(submitted);
    expect(countRows(db, "SELECT 1 FROM scenemarks WHERE scenemark_id LIKE 'NEW%'")).toBe(kept);
    expect(ingest.counters()).toMatchObject({ dropped: 0, storeErrors: 0 });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('rewrites an in-memory old-format database in place, converting it', async () => {
    const db = new Database(':memory:');
    opened.push(db);
    db.pragma('foreign_keys = ON');
    migrate(db, migrations);
    growHistory(db, { idPrefix: 'OLD', startMs: nowMs - 40 * dayMs, seeds: 50, copies: 10, padBytes: 4000 });
    expect(autoVacuum(db)).toBe(0);
    const retention = new RetentionService({
      repository: new RetentionRepository(db),
      logger: silentLogger,
      intervalMs: 0,
      now: () => nowMs,
    });
    retention.setBudgets({ maxAgeDays: 7 });
    await retention.prune();

    const result = await retention.vacuum();
    expect(result.bytesAfter).toBeLessThan(result.bytesBefore / 2);
    expect(autoVacuum(db)).toBe(2);
  });
});

describe('vacuumFailure', () => {
  it('names the cause and says nothing was lost', () => {
    const full = vacuumFailure('SQLITE_FULL', 'database or disk is full');
    expect(full).toBeInstanceOf(ContractFailure);
    expect(full.code).toBe('UNAVAILABLE');
    expect(full.message).toMatch(/disk is full \(SQLITE_FULL\).*history is intact/);
    expect(vacuumFailure('SQLITE_BUSY', 'database is locked')).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/locked by another connection \(SQLITE_BUSY\)/) as unknown,
    });
    expect(vacuumFailure('SQLITE_IOERR_WRITE', 'disk I/O error').code).toBe('UNAVAILABLE');
    expect(vacuumFailure('SQLITE_CORRUPT', 'database disk image is malformed')).toMatchObject({
      code: 'INTERNAL',
      message: expect.stringContaining('SQLITE_CORRUPT') as unknown,
    });
  });
});
