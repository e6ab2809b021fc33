import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeExport, type ExportControl } from '../../../../src-main/services/export/exportWriter';
import { openDatabase } from '../../../../src-main/services/store/database';
import { loadMigrations } from '../../../../src-main/services/store/migrations';
import { baseMs, fixtureDatabase, migrationsDir, parseCsv, storedOriginals, tempDir } from './exportFixture';

let dir: string;
const quiet: ExportControl = { isCancelled: () => false, progress: () => undefined };
const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

beforeEach(() => {
  dir = tempDir('nice-evidence-');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes the evidence package of `file` and returns its entries. */
function evidence(file: string, filter = {}): Record<string, Uint8Array> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.exec('BEGIN');
    const outputPath = join(dir, 'evidence.zip');
    writeExport(db, { format: 'evidence', filter, outputPath }, quiet);
    return unzipSync(readFileSync(outputPath));
  } finally {
    db.close();
  }
}

/** Checks SHA256SUMS against the entries, as `sha256sum -c` would; returns the names it lists. */
function verifySums(entries: Record<string, Uint8Array>): string[] {
  const sums = Buffer.from(entries.SHA256SUMS ?? []).toString();
  const names = sums
    .trim()
    .split('\n')
    .map((line) => {
      const [hash, name] = line.split('  ');
      expect(entries[name ?? '']).toBeDefined();
      expect(sha(entries[name ?? ''] ?? new Uint8Array())).toBe(hash);
      return name ?? '';
    });
  expect(Object.keys(entries).sort()).toEqual([...names, 'SHA256SUMS'].sort());
  return names;
}

/** The rows of scenedata.csv as objects. */
function sceneDataIndex(entries: Record<string, Uint8Array>): Record<string, string>[] {
  const [header, ...records] = parseCsv(Buffer.from(entries['scenedata.csv'] ?? []).toString());
  return records.map((record) =>
    Object.fromEntries((header ?? []).map((name, i) => [name, record[i] ?? ''])),
  );
}

describe('evidence package', () => {
  it('holds every SceneMark verbatim across many deflate chunks, and verifies', () => {
    const { file, db } = fixtureDatabase(dir, 3000);
    const originals = storedOriginals(db);
    db.close();
    const entries = evidence(file);
    const ndjson = Buffer.from(entries['scenemarks.ndjson'] ?? []).toString();
    expect(ndjson.length).toBeGreaterThan(3 << 20);
    expect(ndjson).toBe(originals.map((b) => `${b.toString().replace(/[\r\n]/g, ' ')}\n`).join(''));
    const names = verifySums(entries);
    // 1,500 thumbnails, the SceneMarks, the index, sessions, commands and the README.
    expect(names).toHaveLength(1505);
    const index = sceneDataIndex(entries);
    const thumbnail = index.find((row) => row.scene_data_id === 'SDT_0/thumb');
    expect(thumbnail).toMatchObject({
      scenemark_id: 'SMK_0',
      sha256_matches: 'yes',
      file: 'scenedata/SDT_0_thumb.jpg',
    });
    // The generated SceneMarks list their SceneData by URI only; those come from the originals.
    const listed = index.filter((row) => (row.uri ?? '').startsWith('https://'));
    expect(listed.length).toBeGreaterThanOrEqual(3000);
    expect(listed.every((row) => row.file === '' && row.byte_size === '0' && row.sha256 === '')).toBe(true);
  });

  it('lists stored and listed SceneData once per SceneMark, with files only for held content', () => {
    const { db } = openDatabase(join(dir, 'console.sqlite'), loadMigrations(migrationsDir));
    const insertMark = db.prepare(
      `INSERT INTO scenemarks (scenemark_id, time_ms, device_id, node_id, status, item_types, schema_version,
         original, source, received_ms)
       VALUES (?, ?, 'd1', 'n', 'Active', ' ', '1.0', ?, 'test', ?)`,
    );
    const insertData = db.prepare(
      `INSERT INTO scene_data (scene_data_id, scenemark_id, media_format, encoding, byte_size, sha256, content, uri, received_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const mark = (id: string, i: number, list: unknown[], extra: Record<string, unknown> = {}) =>
      insertMark.run(
        id,
        baseMs + i,
        Buffer.from(JSON.stringify({ SceneMarkID: id, ...extra, SceneDataList: list })),
        100 + i,
      );
    const ref = (id: string) => ({
      SceneDataID: id,
      MediaFormat: 'JPEG',
      SceneDataURI: `https://ds/${id}.jpg`,
    });
    const held = Buffer.from('held-bytes');
    const embedded = Buffer.from('embedded-bytes');
    db.transaction(() => {
      // An old database: the reference row ingest used to write for a listed SceneData.
      mark('M0', 0, [ref('OLD_REF')]);
      insertData.run('OLD_REF', 'M0', 'JPEG', null, 0, '', null, 'https://ds/OLD_REF.jpg', 100);
      // Content received as a file before any SceneMark named it (no SceneMarkID), listed by two.
      mark('M1', 1, [ref('SHARED')]);
      mark('M3', 3, [ref('SHARED'), ref('SHARED')]);
      insertData.run('SHARED', null, 'JPEG', 'binary', held.length, sha(held), held, null, 50);
      // Content linked to its SceneMark but not in its list; and a reference-only SceneData.
      mark('M2', 2, [ref('ONLY_URI')], { Nested: { SceneDataList: [ref('NOT_LISTED')] } });
      insertData.run('LINKED', 'M2', 'PNG', 'binary', 3, 'bad', Buffer.from('png'), null, 60);
      // Embedded in the SceneMark, no row.
      mark('M4', 4, [
        { SceneDataID: 'EMB', MediaFormat: 'JPEG', EmbeddedSceneData: embedded.toString('base64') },
      ]);
    })();
    db.close();

    const entries = evidence(join(dir, 'console.sqlite'));
    const names = verifySums(entries);
    expect(names.filter((name) => name.startsWith('scenedata/')).sort()).toEqual([
      'scenedata/LINKED.png',
      'scenedata/SHARED.jpg',
    ]);
    expect(Buffer.from(entries['scenedata/SHARED.jpg'] ?? []).toString()).toBe('held-bytes');
    const rows = sceneDataIndex(entries).map((row) => [
      row.scenemark_id,
      row.scene_data_id,
      row.byte_size,
      row.sha256,
      row.sha256_matches,
      row.file,
      row.uri,
      row.received_ms,
    ]);
    expect(rows).toEqual([
      ['M0', 'OLD_REF', '0', '', '', '', 'https://ds/OLD_REF.jpg', '100'],
      [
        'M1',
        'SHARED',
        String(held.length),
        sha(held),
        'yes',
        'scenedata/SHARED.jpg',
        'https://ds/SHARED.jpg',
        '50',
      ],
      ['M2', 'LINKED', '3', 'bad', 'no', 'scenedata/LINKED.png', '', '60'],
      ['M2', 'ONLY_URI', '0', '', '', '', 'https://ds/ONLY_URI.jpg', '102'],
      [
        'M3',
        'SHARED',
        String(held.length),
        sha(held),
        'yes',
        'scenedata/SHARED.jpg',
        'https://ds/SHARED.jpg',
        '50',
      ],
      ['M4', 'EMB', String(embedded.length), sha(embedded), '', '', '', '104'],
    ]);
    // The time range narrows the index like the SceneMarks.
    const narrow = evidence(join(dir, 'console.sqlite'), { fromMs: baseMs + 2, toMs: baseMs + 3 });
    expect(sceneDataIndex(narrow).map((row) => row.scene_data_id)).toEqual(['LINKED', 'ONLY_URI']);
    expect(verifySums(narrow).filter((name) => name.startsWith('scenedata/'))).toEqual([
      'scenedata/LINKED.png',
    ]);
  });

  it('extracts with unzip and checks with sha256sum -c when they are installed', () => {
    const { file, db } = fixtureDatabase(dir, 200);
    db.close();
    const entries = evidence(file);
    const out = join(dir, 'out');
    for (const [name, content] of Object.entries(entries)) {
      mkdirSync(dirname(join(out, name)), { recursive: true });
      writeFileSync(join(out, name), content);
    }
    try {
      execFileSync('unzip', ['-tq', join(dir, 'evidence.zip')]);
      const check = execFileSync('sha256sum', ['--strict', '-c', 'SHA256SUMS'], { cwd: out }).toString();
      expect(
        check
          .trim()
          .split('\n')
          .every((line) => line.endsWith(': OK')),
      ).toBe(true);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  });
});
