import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generatedDeviceId, generateSceneMark } from '../../../../bench/support/sceneMarkGenerator';
import { openDatabase } from '../../../../src-main/services/store/database';
import { loadMigrations } from '../../../../src-main/services/store/migrations';

/** Time of fixture SceneMark 0; SceneMark i is at `baseMs + i * 1000`. */
export const baseMs = Date.UTC(2026, 0, 1);
export const migrationsDir = resolve(import.meta.dirname, '../../../../resources/migrations');

/** A temporary folder for one test. */
export function tempDir(prefix = 'nice-export-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The device of fixture SceneMark i (three devices, round robin). */
export function fixtureDevice(index: number): string {
  return generatedDeviceId(index % 3);
}

/**
 * Fills a database with `count` SceneMarks by SQL (generator bytes verbatim, hand-set columns,
 * including CSV-hostile text), two objects each, an inline thumbnail for every other one,
 * a pretty-printed original, two sessions and three audited commands.
 */
export function fillFixture(db: Database.Database, count: number): void {
  const insertMark = db.prepare(
    `INSERT INTO scenemarks (scenemark_id, time_ms, device_id, node_id, port_id, event_type, status, item_types,
       highest_probability, schema_version, revision, original, source, received_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '1.0', 1, ?, 'mqtt', ?)`,
  );
  const insertObject = db.prepare(
    `INSERT INTO detected_objects (scenemark_row, ordinal, item_type, probability, box_x, box_y, box_width, box_height)
     VALUES (?, ?, ?, ?, 0.1, 0.2, 0.3, 0.4)`,
  );
  const insertData = db.prepare(
    `INSERT INTO scene_data (scene_data_id, scenemark_id, media_format, encoding, byte_size, sha256, content, uri, received_ms)
     VALUES (?, ?, 'JPEG', NULL, ?, ?, ?, NULL, ?)`,
  );
  db.transaction(() => {
    for (let i = 0; i < count; i += 1) {
      const id = `SMK_${i}`;
      let original = Buffer.from(generateSceneMark(i));
      if (i === 1) original = Buffer.from(JSON.stringify(JSON.parse(original.toString()), null, 2));
      const eventType = i % 7 === 0 ? 'Odd, "quoted"\r\nevent' : 'ItemPresence';
      const time = baseMs + i * 1000;
      const row = insertMark.run(
        id,
        time,
        fixtureDevice(i),
        `${fixtureDevice(i)}_0001`,
        '0001',
        eventType,
        'Active',
        ' Human Vehicle ',
        0.5 + (i % 50) / 100,
        original,
        time + 5,
      ).lastInsertRowid;
      insertObject.run(row, 0, 'Human', 0.9);
      insertObject.run(row, 1, 'Vehicle', null);
      if (i % 2 === 0) {
        const content = Buffer.from(`jpeg-bytes-of-${i}`);
        const sha = createSha(content);
        insertData.run(`SDT_${i}/thumb`, id, content.length, sha, content, time);
      }
    }
    db.prepare(
      `INSERT INTO sessions (session_id, kind, peer, started_ms, ended_ms, outcome, summary)
       VALUES ('S1', 'control', ?, ?, ?, 'ok', '{"frames":10}'), ('S2', 'webrtc', 'x', ?, NULL, NULL, NULL)`,
    ).run(fixtureDevice(0), baseMs, baseMs + 2000, baseMs - 10_000_000);
    const audit = db.prepare(
      `INSERT INTO command_audit (sent_ms, profile_id, target, command_type, command_id, status_code, outcome, latency_ms)
       VALUES (?, 'p1', ?, 'GetDeviceStatus', ?, 200, 'ok', 12.5)`,
    );
    for (let i = 0; i < 3; i += 1) audit.run(baseMs + i * 1000, fixtureDevice(i), i);
  })();
}

function createSha(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** Opens a migrated database file in `dir` and fills it. */
export function fixtureDatabase(dir: string, count: number): { file: string; db: Database.Database } {
  const file = join(dir, 'console.sqlite');
  const { db } = openDatabase(file, loadMigrations(migrationsDir));
  fillFixture(db, count);
  return { file, db };
}

/** The stored originals in export order. */
export function storedOriginals(db: Database.Database, where = '', ...params: unknown[]): Buffer[] {
  return db
    .prepare(`SELECT original FROM scenemarks ${where} ORDER BY time_ms, id`)
    .pluck()
    .all(...params) as Buffer[];
}

/** Minimal RFC 4180 parser for checking exports (quoted fields, doubled quotes, CRLF). */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 1;
    } else field += c;
  }
  if (field !== '' || record.length > 0) throw new Error('CSV does not end with CRLF');
  return records;
}
