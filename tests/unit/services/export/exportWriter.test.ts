import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExportFilter, ExportFormat } from '../../../../src-shared/contract/exportContract';
import { csvField, csvRecord } from '../../../../src-main/services/export/csvFormat';
import { describeExportError } from '../../../../src-main/services/export/exportErrors';
import { sceneMarkCsvColumns } from '../../../../src-main/services/export/exportQueries';
import {
  ExportCancelledError,
  writeExport,
  type ExportControl,
} from '../../../../src-main/services/export/exportWriter';
import { baseMs, fixtureDatabase, fixtureDevice, parseCsv, storedOriginals, tempDir } from './exportFixture';

const count = 3000;
let dir: string;
let db: Database.Database;
let readOnly: Database.Database;

beforeEach(() => {
  dir = tempDir();
  const fixture = fixtureDatabase(dir, count);
  db = fixture.db;
  readOnly = new Database(fixture.file, { readonly: true, fileMustExist: true });
});

afterEach(() => {
  readOnly.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const quiet: ExportControl = { isCancelled: () => false, progress: () => undefined };

function run(format: ExportFormat, filter: ExportFilter = {}, control: ExportControl = quiet) {
  const outputPath = join(dir, `out.${format}`);
  const outcome = writeExport(readOnly, { format, filter, outputPath }, control);
  const bytes = readFileSync(outputPath);
  return { outcome, bytes };
}

describe('csvField', () => {
  it('quotes only what RFC 4180 requires and doubles quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"');
    expect(csvField(null)).toBe('');
    expect(csvField(0.25)).toBe('0.25');
    expect(csvRecord(['a', null, 'b,c'])).toBe('a,,"b,c"\r\n');
  });
});

describe('writeExport', () => {
  it('writes NDJSON whose lines are the stored originals, in time order', () => {
    const { outcome, bytes } = run('ndjson');
    const originals = storedOriginals(db);
    const lines = bytes.toString('utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(count);
    for (let i = 0; i < count; i += 1) {
      const original = String(originals[i]?.toString('utf8'));
      // The pretty-printed original keeps its bytes with line breaks turned into spaces.
      expect(lines[i]).toBe(i === 1 ? original.replace(/[\r\n]/g, ' ') : original);
    }
    expect(JSON.parse(String(lines[1]))).toEqual(JSON.parse(String(originals[1]?.toString())));
    expect(outcome).toEqual({
      rows: count,
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
  });

  it('applies the time range ([fromMs, toMs)) and the devices', () => {
    const filter = { fromMs: baseMs + 100_000, toMs: baseMs + 200_000, deviceIds: [fixtureDevice(1)] };
    const { outcome, bytes } = run('ndjson', filter);
    const expected = storedOriginals(
      db,
      'WHERE time_ms >= ? AND time_ms < ? AND device_id = ?',
      filter.fromMs,
      filter.toMs,
      fixtureDevice(1),
    );
    expect(expected.length).toBe(34);
    expect(outcome.rows).toBe(expected.length);
    expect(bytes.toString()).toBe(expected.map((b) => `${b.toString()}\n`).join(''));
  });

  it('applies the item types, event types and lowest probability of the search', () => {
    const filter = { eventTypes: ['ItemPresence'], minProbability: 0.9, itemTypes: ['Vehicle', 'Bag'] };
    const { outcome, bytes } = run('ndjson', filter);
    const expected = storedOriginals(db, "WHERE event_type = 'ItemPresence' AND highest_probability >= 0.9");
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(count);
    expect(outcome.rows).toBe(expected.length);
    expect(bytes.toString()).toBe(expected.map((b) => `${b.toString()}\n`).join(''));
    expect(run('ndjson', { itemTypes: ['Bag'] }).outcome.rows).toBe(0);
  });

  it('writes a JSON array of the verbatim originals', () => {
    const { outcome, bytes } = run('json');
    const originals = storedOriginals(db);
    expect(bytes.toString()).toBe(`[\n${originals.map((b) => b.toString()).join(',\n')}\n]\n`);
    const parsed = JSON.parse(bytes.toString()) as unknown[];
    expect(parsed).toEqual(originals.map((b) => JSON.parse(b.toString()) as unknown));
    expect(outcome.rows).toBe(count);
  });

  it('writes an empty JSON array when nothing matches', () => {
    const { outcome, bytes } = run('json', { fromMs: 0, toMs: 1 });
    expect(JSON.parse(bytes.toString())).toEqual([]);
    expect(outcome.rows).toBe(0);
  });

  it('writes a SceneMarks CSV that parses back to the stored columns', () => {
    const { outcome, bytes } = run('csv');
    const records = parseCsv(bytes.toString('utf8'));
    expect(records[0]).toEqual([...sceneMarkCsvColumns]);
    expect(records).toHaveLength(count + 1);
    expect(outcome.rows).toBe(count);
    const stored = db
      .prepare(
        'SELECT scenemark_id, time_ms, event_type, highest_probability FROM scenemarks ORDER BY time_ms, id',
      )
      .all() as { scenemark_id: string; time_ms: number; event_type: string; highest_probability: number }[];
    const column = (name: string) =>
      sceneMarkCsvColumns.indexOf(name as (typeof sceneMarkCsvColumns)[number]);
    stored.forEach((row, i) => {
      const record = records[i + 1] ?? [];
      expect(record).toHaveLength(sceneMarkCsvColumns.length);
      expect(record[column('scenemark_id')]).toBe(row.scenemark_id);
      expect(record[column('time')]).toBe(new Date(row.time_ms).toISOString());
      expect(record[column('event_type')]).toBe(row.event_type);
      expect(Number(record[column('highest_probability')])).toBe(row.highest_probability);
      expect(record[column('item_types')]).toBe('Human Vehicle');
    });
  });

  it('writes plain records as they are when no field needs quotes', () => {
    // SceneMarks 1 to 6 have no CSV-hostile text (every 7th has).
    const filter = { fromMs: baseMs + 1000, toMs: baseMs + 7000 };
    const { outcome, bytes } = run('csv', filter);
    const text = bytes.toString('utf8');
    expect(outcome.rows).toBe(6);
    expect(text).not.toContain('"');
    const records = parseCsv(text);
    expect(records.map((record) => record[0])).toEqual([
      'scenemark_id',
      'SMK_1',
      'SMK_2',
      'SMK_3',
      'SMK_4',
      'SMK_5',
      'SMK_6',
    ]);
    expect(records[1]?.[2]).toBe(new Date(baseMs + 1000).toISOString());
    expect(records.every((record) => record.length === sceneMarkCsvColumns.length)).toBe(true);
  });

  it('writes one objects CSV row per detected object, null probability as empty', () => {
    const { outcome, bytes } = run('objectsCsv', { toMs: baseMs + 10_000 });
    const records = parseCsv(bytes.toString('utf8'));
    expect(outcome.rows).toBe(20);
    expect(records).toHaveLength(21);
    expect(records[1]).toEqual([
      'SMK_0',
      String(baseMs),
      fixtureDevice(0),
      `${fixtureDevice(0)}_0001`,
      '0',
      'Human',
      '0.9',
      '0.1',
      '0.2',
      '0.3',
      '0.4',
    ]);
    expect(records[2]?.[6]).toBe('');
  });

  it('quotes the objects CSV fields that need it, in the batches that have them', () => {
    db.prepare(
      `UPDATE detected_objects SET item_type = 'Bag, "red"' WHERE scenemark_row = 2 AND ordinal = 1`,
    ).run();
    const { outcome, bytes } = run('objectsCsv');
    const records = parseCsv(bytes.toString('utf8'));
    expect(outcome.rows).toBe(count * 2);
    expect(records).toHaveLength(count * 2 + 1);
    expect(records[4]?.[5]).toBe('Bag, "red"');
    expect(records.every((record) => record.length === 11)).toBe(true);
    expect(bytes.toString('utf8')).toContain(',"Bag, ""red""",');
  });

  it('reports the bytes written so far with the rows', () => {
    const updates: { rows: number; bytes: number }[] = [];
    const { outcome } = run('ndjson', {}, { isCancelled: () => false, progress: (u) => updates.push(u) });
    const last = updates.at(-1);
    expect(last).toMatchObject({ rows: count, bytes: outcome.bytes });
  });

  it('stops at the cancel flag and reports progress on the way', () => {
    const phases: string[] = [];
    let checks = 0;
    const control: ExportControl = {
      isCancelled: () => ++checks > 1,
      progress: (update) => phases.push(update.phase),
    };
    expect(() => run('ndjson', {}, control)).toThrow(ExportCancelledError);
    expect(phases.slice(0, 2)).toEqual(['preparing', 'writing']);
  });
});

describe('describeExportError', () => {
  it('names a full disk', () => {
    const error = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    expect(describeExportError(error, '/x/out.csv')).toEqual({
      cancelled: false,
      code: 'DISK_FULL',
      message: 'the disk is full: no space left to write /x/out.csv; the partial file was removed',
    });
  });

  it('maps other file and database errors', () => {
    expect(describeExportError(Object.assign(new Error('nope'), { code: 'EACCES' }), 'f').code).toBe(
      'WRITE_FAILED',
    );
    expect(describeExportError(Object.assign(new Error('busy'), { code: 'SQLITE_BUSY' }), 'f').code).toBe(
      'DATABASE',
    );
    expect(describeExportError(new ExportCancelledError(), 'f').cancelled).toBe(true);
  });
});
