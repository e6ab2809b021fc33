import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SetBudgetsRequest } from '../../../../src-shared/contract/retentionContract';
import type { RetentionPruned } from '../../../../src-shared/contract/retentionContract';
import { describeSchemaError } from '../../../../src-shared/contract/result';
import { silentLogger } from '../../../../src-main/core/util/logger';
import { ContractFailure } from '../../../../src-main/services/contract/contractFailure';
import { migrate } from '../../../../src-main/services/store/migrations';
import { RetentionRepository } from '../../../../src-main/services/scenemarks/retentionRepository';
import { RetentionService } from '../../../../src-main/services/scenemarks/retentionService';
import {
  SceneMarkRepository,
  storeSceneMark,
  type StoreItem,
} from '../../../../src-main/services/scenemarks/sceneMarkRepository';
import { parseSceneMark } from '../../../../src-main/core/nice/sceneMark';
import { editedSceneMark, embedThumbnail, migrations, openIngestDatabase } from './ingestFixture';

const dayMs = 24 * 60 * 60 * 1000;
const nowMs = Date.parse('2026-03-01T00:00:00.000Z');

let tmp: string;
let db: Database.Database;

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'nice-retention-'));
});
afterEach(() => {
  if (db.open) db.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Writes `count` generated SceneMarks starting at `startMs`, 250 ms apart on average. */
function seed(count: number, startMs: number, idPrefix: string): void {
  const repository = new SceneMarkRepository(db);
  for (let first = 0; first < count; first += 500) {
    const items: StoreItem[] = [];
    for (let index = first; index < Math.min(count, first + 500); index += 1) {
      const bytes = editedSceneMark(index, embedThumbnail, { startMs, idPrefix });
      items.push(storeSceneMark(parseSceneMark(bytes), 'test', startMs));
    }
    repository.writeBatch(items);
  }
}

function reject(receivedMs: number): void {
  new SceneMarkRepository(db).writeBatch([
    {
      kind: 'reject',
      original: new Uint8Array([1, 2]),
      source: 'test',
      receivedMs,
      reason: 'bad',
      field: null,
    },
  ]);
}

function count(sql: string): number {
  return (db.prepare(sql).get() as { n: number }).n;
}

/** A repository whose prune methods record the rows each transaction removed. */
function recordingRepository(): { repository: RetentionRepository; batches: number[] } {
  const repository = new RetentionRepository(db);
  const batches: number[] = [];
  for (const name of ['pruneSceneMarksBefore', 'pruneOldestSceneMarks', 'pruneOthersBefore'] as const) {
    const original = repository[name].bind(repository) as (
      ...args: number[]
    ) => ReturnType<RetentionRepository['pruneOldestSceneMarks']>;
    Object.assign(repository, {
      [name]: (...args: number[]) => {
        const batch = original(...args);
        // SceneData go with their SceneMarks (one or two each); SceneMarks and rejects are capped.
        batches.push(Math.max(batch.sceneMarks, batch.rejects));
        return batch;
      },
    });
  }
  return { repository, batches };
}

function service(
  repository = new RetentionRepository(db),
  published: RetentionPruned[] = [],
): RetentionService {
  return new RetentionService({
    repository,
    logger: silentLogger,
    publish: (pruned) => published.push(pruned),
    batchSize: 100,
    intervalMs: 0,
    now: () => nowMs,
  });
}

describe('RetentionService', () => {
  it('keeps everything by default and reports the gauge', async () => {
    db = openIngestDatabase(join(tmp, 'history.sqlite'));
    seed(300, nowMs - 400 * dayMs, 'OLD');
    reject(0);
    const retention = service();

    expect(retention.getBudgets()).toEqual({ maxAgeDays: 0, maxSizeMiB: 0 });
    expect(await retention.prune()).toBeNull();
    expect(count('SELECT count(*) AS n FROM scenemarks')).toBe(300);

    const usage = retention.getUsage();
    const pages =
      (db.pragma('page_count', { simple: true }) as number) *
      (db.pragma('page_size', { simple: true }) as number);
    expect(usage.databaseBytes).toBeGreaterThanOrEqual(pages);
    expect(usage.databaseBytes).toBe(pages + usage.walBytes);
    expect(usage).toMatchObject({ sceneMarks: 300, rejects: 1, budgets: { maxAgeDays: 0, maxSizeMiB: 0 } });
    expect(usage.oldestSceneMarkMs).toBeLessThan(usage.newestSceneMarkMs ?? 0);
  });

  it('prunes by age only older SceneMarks, with their objects, SceneData and old rejects', async () => {
    db = openIngestDatabase();
    seed(450, nowMs - 40 * dayMs, 'OLD');
    seed(200, nowMs - 2 * dayMs, 'NEW');
    reject(nowMs - 40 * dayMs);
    reject(nowMs - dayMs);
    const newObjects = count(
      "SELECT count(*) AS n FROM detected_objects JOIN scenemarks ON id = scenemark_row WHERE scenemark_id LIKE 'NEW%'",
    );
    const newSceneData = count("SELECT count(*) AS n FROM scene_data WHERE scenemark_id LIKE 'NEW%'");
    const { repository, batches } = recordingRepository();
    const published: RetentionPruned[] = [];
    const retention = service(repository, published);

    retention.setBudgets({ maxAgeDays: 30 });
    const pruned = await retention.prune();

    expect(count("SELECT count(*) AS n FROM scenemarks WHERE scenemark_id LIKE 'OLD%'")).toBe(0);
    expect(count('SELECT count(*) AS n FROM scenemarks')).toBe(200);
    expect(count('SELECT count(*) AS n FROM detected_objects')).toBe(newObjects);
    expect(count('SELECT count(*) AS n FROM scene_data')).toBe(newSceneData);
    expect(count('SELECT count(*) AS n FROM rejects')).toBe(1);
    expect(pruned).toMatchObject({ reasons: ['age'], sceneMarks: 450, rejects: 1 });
    expect(pruned?.sceneData).toBeGreaterThan(0);
    expect(published).toEqual([pruned]);
    // 450 rows in batches of at most 100.
    expect(Math.max(...batches)).toBeLessThanOrEqual(100);
    expect(batches.filter((rows) => rows > 0).length).toBeGreaterThanOrEqual(5);
  });

  it('yields to the event loop between batches', async () => {
    db = openIngestDatabase();
    seed(500, nowMs - 40 * dayMs, 'OLD');
    const events: string[] = [];
    const { repository } = recordingRepository();
    const original = repository.pruneSceneMarksBefore.bind(repository);
    repository.pruneSceneMarksBefore = (cutoffMs, limit) => {
      const batch = original(cutoffMs, limit);
      events.push(`batch ${batch.sceneMarks}`);
      setImmediate(() => events.push('other work'));
      return batch;
    };
    const retention = service(repository);
    retention.setBudgets({ maxAgeDays: 30 });
    await retention.prune();

    expect(events.slice(0, 4)).toEqual(['batch 100', 'other work', 'batch 100', 'other work']);
  });

  it('prunes the oldest SceneMarks until the database is under the size budget', async () => {
    db = openIngestDatabase();
    seed(6000, nowMs - 10 * dayMs, 'SMK');
    const used = (): number => {
      const size = new RetentionRepository(db).size();
      return size.databaseBytes - size.walBytes - size.freeBytes;
    };
    const before = used();
    const budgetMiB = Math.floor(before / 2 / (1024 * 1024));
    expect(budgetMiB).toBeGreaterThan(0);
    const oldestBefore = db.prepare('SELECT min(time_ms) AS t FROM scenemarks').get() as { t: number };
    const retention = service();

    retention.setBudgets({ maxSizeMiB: budgetMiB });
    const pruned = await retention.prune();

    expect(used()).toBeLessThanOrEqual(budgetMiB * 1024 * 1024);
    expect(pruned?.reasons).toEqual(['size']);
    const remaining = count('SELECT count(*) AS n FROM scenemarks');
    expect(remaining).toBeGreaterThan(0);
    expect(remaining + (pruned?.sceneMarks ?? 0)).toBe(6000);
    // The oldest went first: every survivor is newer than every pruned one.
    const oldestAfter = db.prepare('SELECT min(time_ms) AS t FROM scenemarks').get() as { t: number };
    expect(oldestAfter.t).toBeGreaterThan(oldestBefore.t);
  });

  it('VACUUM returns the pruned space to the system and refuses a second one meanwhile', async () => {
    const file = join(tmp, 'history.sqlite');
    db = openIngestDatabase(file);
    seed(3000, nowMs - 40 * dayMs, 'OLD');
    seed(100, nowMs - dayMs, 'NEW');
    const retention = service();
    retention.setBudgets({ maxAgeDays: 7 });
    await retention.prune();
    expect(retention.getUsage().freeBytes).toBeGreaterThan(0);

    const first = retention.vacuum();
    await expect(retention.vacuum()).rejects.toMatchObject({ code: 'CONFLICT' });
    const result = await first;

    expect(result.bytesAfter).toBeLessThan(result.bytesBefore / 2);
    expect(statSync(file).size).toBe(result.bytesAfter);
    expect(retention.getUsage()).toMatchObject({ freeBytes: 0, sceneMarks: 100 });
  });

  it('refuses bad budgets naming the field and keeps the old ones', () => {
    db = openIngestDatabase();
    const retention = service();
    retention.setBudgets({ maxAgeDays: 30 });

    expect(() => retention.setBudgets({ maxSizeMiB: -1 })).toThrow(ContractFailure);
    expect(() => retention.setBudgets({ maxAgeDays: 1.5 })).toThrow(/^maxAgeDays: /);
    expect(retention.getBudgets()).toEqual({ maxAgeDays: 30, maxSizeMiB: 0 });
    expect(new RetentionRepository(db).readBudgets()).toEqual({ maxAgeDays: 30, maxSizeMiB: 0 });

    const parsed = SetBudgetsRequest.safeParse({ maxSizeMiB: 'big' });
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(describeSchemaError(parsed.error)).toMatch(/^maxSizeMiB: /);
    expect(SetBudgetsRequest.safeParse({}).success).toBe(false);
    expect(SetBudgetsRequest.safeParse({ maxAgeDays: 1, extra: 1 }).success).toBe(false);
  });

  it('persists budgets across restarts and upgrades a version 4 database with keep-everything defaults', () => {
    const file = join(tmp, 'upgrade.sqlite');
    db = openIngestDatabase(file);
    service().setBudgets({ maxAgeDays: 90, maxSizeMiB: 512 });
    db.close();
    db = openIngestDatabase(file);
    expect(service().getBudgets()).toEqual({ maxAgeDays: 90, maxSizeMiB: 512 });
    db.close();

    // A database of the previous schema version, holding history, gains the budgets row.
    db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations.slice(0, 4));
    // Rows as version 4 held them (today's repository writes tables version 4 did not have).
    const insertV4 = db.prepare(
      `INSERT INTO scenemarks (scenemark_id, time_ms, node_id, status, item_types, schema_version, original, source, received_ms)
       VALUES (?, ?, '0001', 'Active', ' ', '1.0', x'7b7d', 'test', ?)`,
    );
    for (let index = 0; index < 10; index += 1) insertV4.run(`V4_${index}`, nowMs + index, nowMs);
    migrate(db, migrations);
    // Migration 0007 counted them into the rollup.
    expect(count('SELECT sum(count) AS n FROM scenemark_minutes')).toBe(10);
    expect(count('SELECT count(*) AS n FROM scenemarks')).toBe(10);
    expect(new RetentionRepository(db).readBudgets()).toEqual({ maxAgeDays: 0, maxSizeMiB: 0 });
  });
});
