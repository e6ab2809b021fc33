import type Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ExportQueries,
  isoDayParams,
  needsQuoting,
} from '../../../../src-main/services/export/exportQueries';
import { openDatabase } from '../../../../src-main/services/store/database';
import { loadMigrations } from '../../../../src-main/services/store/migrations';
import { baseMs, migrationsDir, tempDir } from './exportFixture';

let dir: string;
let db: Database.Database;

/** SceneMarks as `[id, time]`, inserted in the given order (so row IDs follow that order). */
function insertMarks(marks: [string, number, string?][], objects = (i: number) => i % 3): void {
  const insertMark = db.prepare(
    `INSERT INTO scenemarks (scenemark_id, time_ms, device_id, node_id, status, item_types, schema_version,
       original, source, received_ms)
     VALUES (?, ?, ?, 'n', 'Active', ' ', '1.0', ?, 'test', 0)`,
  );
  const insertObject = db.prepare(
    `INSERT INTO detected_objects (scenemark_row, ordinal, item_type) VALUES (?, ?, 'Human')`,
  );
  db.transaction(() => {
    marks.forEach(([id, time, device], i) => {
      const row = insertMark.run(id, time, device ?? 'd1', Buffer.from(`{"id":"${id}"}`)).lastInsertRowid;
      for (let n = 0; n < objects(i); n += 1) insertObject.run(row, n);
    });
  })();
}

/** The SceneMark IDs in export order, straight from SQL. */
function expectedOrder(where = '', ...params: unknown[]): string[] {
  return db
    .prepare(`SELECT scenemark_id FROM scenemarks ${where} ORDER BY time_ms, id`)
    .pluck()
    .all(...params) as string[];
}

function walk(queries: ExportQueries, targetBytes: number): { ids: string[]; batches: number; rows: number } {
  let text = '';
  let batches = 0;
  let rows = 0;
  for (const batch of queries.batches({ line: 's.scenemark_id', separator: "x'0a'", targetBytes })) {
    text += `${batch.data.toString()}\n`;
    batches += 1;
    rows += batch.rows;
  }
  return { ids: text.split('\n').filter((id) => id !== ''), batches, rows };
}

beforeEach(() => {
  dir = tempDir();
  ({ db } = openDatabase(join(dir, 'console.sqlite'), loadMigrations(migrationsDir)));
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ExportQueries.batches', () => {
  it('reads every SceneMark once in (time, id) order through gaps, bursts and out-of-order inserts', () => {
    const marks: [string, number][] = [];
    // Inserted newest first, so row IDs run against time.
    for (let i = 0; i < 300; i += 1) marks.push([`late_${i}`, baseMs + 10 * 86_400_000 + i * 7]);
    // 500 SceneMarks in one millisecond: more than any batch may hold.
    for (let i = 0; i < 500; i += 1) marks.push([`burst_${i}`, baseMs + 5000]);
    for (let i = 0; i < 200; i += 1) marks.push([`early_${i}`, baseMs + (200 - i) * 13]);
    marks.push(['first', -5], ['last', baseMs + 400 * 86_400_000]);
    insertMarks(marks);
    const expected = expectedOrder();
    expect(expected).toHaveLength(1002);
    for (const target of [64, 4096, 1 << 20]) {
      const { ids, batches, rows } = walk(new ExportQueries(db, {}), target);
      expect(ids).toEqual(expected);
      expect(rows).toBe(expected.length);
      // Small batches: the burst is read in several parts, by ID.
      if (target === 64) expect(batches).toBeGreaterThan(20);
    }
  });

  it('applies [fromMs, toMs) and the devices at the edges of bursts', () => {
    const marks: [string, number, string][] = [];
    for (let i = 0; i < 400; i += 1) marks.push([`a_${i}`, baseMs + 1000, i % 2 === 0 ? 'd1' : 'd2']);
    for (let i = 0; i < 400; i += 1)
      marks.push([`b_${i}`, baseMs + 999 + (i % 3), i % 2 === 0 ? 'd1' : 'd2']);
    insertMarks(marks);
    const filter = { fromMs: baseMs + 1000, toMs: baseMs + 1001, deviceIds: ['d2'] };
    const queries = new ExportQueries(db, filter);
    const expected = expectedOrder(
      'WHERE time_ms >= ? AND time_ms < ? AND device_id = ?',
      filter.fromMs,
      filter.toMs,
      'd2',
    );
    expect(expected).toHaveLength(267);
    expect(queries.countSceneMarks()).toBe(expected.length);
    expect(walk(queries, 50).ids).toEqual(expected);
    expect(walk(new ExportQueries(db, { toMs: baseMs + 999 }), 50).ids).toEqual([]);
    expect(new ExportQueries(db, { fromMs: baseMs + 5000 }).countSceneMarks()).toBe(0);
  });

  it('joins rows per SceneMark, skipping SceneMarks without any, in order', () => {
    const marks: [string, number][] = [];
    for (let i = 0; i < 300; i += 1) marks.push([`m_${i}`, baseMs + (i % 100 === 0 ? 0 : i)]);
    insertMarks(marks, (i) => i % 4);
    const expected = db
      .prepare(
        `SELECT s.scenemark_id || ':' || o.ordinal FROM scenemarks s JOIN detected_objects o ON o.scenemark_row = s.id
         ORDER BY s.time_ms, s.id, o.ordinal`,
      )
      .pluck()
      .all() as string[];
    for (const targetBytes of [40, 1 << 20]) {
      const lines: string[] = [];
      let rows = 0;
      for (const batch of new ExportQueries(db, {}).batches({
        line: "s.scenemark_id || ':' || o.ordinal",
        separator: "x'0a'",
        join: { sql: 'JOIN detected_objects o ON o.scenemark_row = s.id', order: 'o.ordinal' },
        targetBytes,
      })) {
        lines.push(...batch.data.toString().split('\n'));
        rows += batch.rows;
      }
      expect(lines).toEqual(expected);
      expect(rows).toBe(expected.length);
    }
  });

  it('gives the SceneMarks of the SceneData index with their originals', () => {
    const marks: [string, number][] = [];
    for (let i = 0; i < 700; i += 1) marks.push([`m_${i}`, baseMs + Math.floor(i / 300)]);
    insertMarks(marks);
    const ids: string[] = [];
    for (const batch of new ExportQueries(db, {}).sceneMarkBatches()) {
      expect(batch.originals.map((o) => JSON.parse(o.toString()) as unknown)).toEqual(
        batch.sceneMarkIds.map((id) => ({ id })),
      );
      expect(batch.receivedMs).toHaveLength(batch.sceneMarkIds.length);
      ids.push(...batch.sceneMarkIds);
    }
    expect(ids).toEqual(expectedOrder());
  });
});

describe('CSV helpers', () => {
  it('formats the time of day like strftime within the day given', () => {
    const { day, date } = isoDayParams(Date.UTC(2026, 1, 3, 4, 5, 6, 7));
    expect(day).toBe(Date.UTC(2026, 1, 3));
    expect(date).toBe('2026-02-03T');
    expect(isoDayParams(-1).day).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('tells when a batch has a field that needs quotes', () => {
    expect(needsQuoting(Buffer.from('abcdef'))).toBe(false);
    expect(needsQuoting(null)).toBe(false);
    for (const c of [',', '"', '\r', '\n']) expect(needsQuoting(Buffer.from(`ab${c}c`))).toBe(true);
  });
});
