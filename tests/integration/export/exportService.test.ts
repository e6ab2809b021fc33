import type Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExportProgress, StartExportRequest } from '../../../src-shared/contract/exportContract';
import { silentLogger } from '../../../src-main/core/util/logger';
import type { DestinationProvider } from '../../../src-main/services/export/destinationProvider';
import { ExportService } from '../../../src-main/services/export/exportService';
import { fixtureDatabase, storedOriginals, tempDir } from '../../unit/services/export/exportFixture';

let dir: string;
let db: Database.Database;
let file: string;
let events: ExportProgress[];
let service: ExportService;

/** A destination that always answers `path` (what a save dialog would). */
function fixedDestination(path: string): DestinationProvider {
  return {
    open: () =>
      Promise.resolve({
        path,
        fileName: 'x',
        completed: () => Promise.resolve({}),
        abandoned: () => undefined,
      }),
  };
}

function makeService(destinations: DestinationProvider): ExportService {
  return new ExportService({
    databaseFile: file,
    destinations,
    publish: (p) => events.push(p),
    logger: silentLogger,
  });
}

async function runExport(request: StartExportRequest, destinations: DestinationProvider) {
  service = makeService(destinations);
  const started = await service.start(request);
  if (!started.started) throw new Error('not started');
  const settled = await service.settled(started.exportId);
  return settled.progress;
}

beforeEach(() => {
  dir = tempDir();
  ({ db, file } = fixtureDatabase(dir, 5000));
  events = [];
});

afterEach(async () => {
  await service?.disposeAsync();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ExportService (worker thread)', () => {
  it('exports NDJSON in a worker, renames into place and reports a summary with the file hash', async () => {
    const target = join(dir, 'marks.ndjson');
    const final = await runExport({ format: 'ndjson', filter: {} }, fixedDestination(target));
    const bytes = readFileSync(target);
    expect(final.phase).toBe('done');
    expect(final.summary).toMatchObject({
      rows: 5000,
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      fileName: 'x',
    });
    const lines = bytes.toString().trimEnd().split('\n');
    expect(lines[0]).toBe(storedOriginals(db)[0]?.toString());
    expect(events[0]?.phase).toBe('preparing');
    expect(events.some((e) => e.phase === 'writing' && e.totalRows === 5000)).toBe(true);
    expect(readdirSync(dir).filter((name) => name.endsWith('.partial'))).toEqual([]);
  });

  it('writes an evidence ZIP that unzip and sha256sum -c verify', async () => {
    const target = join(dir, 'evidence.zip');
    const final = await runExport(
      { format: 'evidence', filter: { toMs: Date.UTC(2026, 0, 1) + 1_000_000 } },
      fixedDestination(target),
    );
    expect(final.phase).toBe('done');
    expect(final.rows).toBe(1000);
    const out = join(dir, 'unzipped');
    mkdirSync(out);
    let hasUnzip = true;
    try {
      execFileSync('unzip', ['-q', target, '-d', out]);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      hasUnzip = false;
    }
    if (!hasUnzip) {
      for (const [name, content] of Object.entries(unzipSync(readFileSync(target)))) {
        mkdirSync(join(out, name, '..'), { recursive: true });
        writeFileSync(join(out, name), content);
      }
    }
    // The summary's manifest hash is that of the package's SHA256SUMS.
    expect(final.summary?.manifestSha256).toBe(
      createHash('sha256')
        .update(readFileSync(join(out, 'SHA256SUMS')))
        .digest('hex'),
    );
    const check = execFileSync('sha256sum', ['--strict', '-c', 'SHA256SUMS'], { cwd: out }).toString();
    const checked = check.trim().split('\n');
    // 500 thumbnails, the SceneMarks, the SceneData index, sessions, commands and the README.
    expect(checked).toHaveLength(505);
    expect(checked.every((line) => line.endsWith(': OK'))).toBe(true);
    const ndjson = readFileSync(join(out, 'scenemarks.ndjson'), 'utf8').trimEnd().split('\n');
    expect(ndjson).toHaveLength(1000);
    expect(ndjson[0]).toBe(storedOriginals(db)[0]?.toString());
    expect(readFileSync(join(out, 'scenedata', 'SDT_0_thumb.jpg'), 'utf8')).toBe('jpeg-bytes-of-0');
    expect(readFileSync(join(out, 'sessions.csv'), 'utf8')).toContain('S1,control');
    expect(readFileSync(join(out, 'command_audit.csv'), 'utf8').trim().split('\r\n')).toHaveLength(4);
    expect(readFileSync(join(out, 'scenedata.csv'), 'utf8')).toContain(',yes,');
  });

  it('removes the partial file of a cancelled export', async () => {
    const target = join(dir, 'cancelled.csv');
    service = makeService(fixedDestination(target));
    const started = await service.start({ format: 'csv', filter: {} });
    if (!started.started) throw new Error('not started');
    expect(service.cancel(started.exportId)).toEqual({ cancelled: true });
    const { progress } = await service.settled(started.exportId);
    expect(progress.phase).toBe('cancelled');
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(dir).filter((name) => name.includes('cancelled'))).toEqual([]);
    expect(service.cancel(started.exportId)).toEqual({ cancelled: false });
  });

  it('fails cleanly when the destination cannot take the file, removing what was written', async () => {
    // A non-empty folder at the chosen path: the whole file is written beside it, then the
    // final rename fails, so the partial file existed and must be gone.
    const target = join(dir, 'occupied');
    mkdirSync(target);
    writeFileSync(join(target, 'keep'), 'x');
    const final = await runExport({ format: 'ndjson', filter: {} }, fixedDestination(target));
    expect(final.phase).toBe('failed');
    expect(final.error?.code).toBe('WRITE_FAILED');
    expect(final.error?.message).toMatch(/cannot write the export/);
    expect(readdirSync(dir).filter((name) => name.endsWith('.partial'))).toEqual([]);
    expect(readdirSync(target)).toEqual(['keep']);
  });

  it('reports a destination folder that cannot be written', async () => {
    writeFileSync(join(dir, 'not-a-folder'), 'x');
    const final = await runExport(
      { format: 'json', filter: {} },
      fixedDestination(join(dir, 'not-a-folder', 'out.json')),
    );
    expect(final.phase).toBe('failed');
    expect(final.error).toMatchObject({ code: 'WRITE_FAILED' });
    expect(final.error?.message).toContain('ENOTDIR');
  });

  it('answers a dismissed save dialog without starting anything', async () => {
    service = makeService({ open: () => Promise.resolve(undefined) });
    expect(await service.start({ format: 'csv', filter: {} })).toEqual({
      started: false,
      reason: 'destinationDismissed',
    });
    expect(events).toEqual([]);
  });
});
