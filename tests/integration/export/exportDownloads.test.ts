import Database from 'better-sqlite3';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExportProgress, StartExportResponse } from '../../../src-shared/contract/exportContract';
import { silentLogger } from '../../../src-main/core/util/logger';
import { createConsoleServices, type ConsoleServices } from '../../../src-main/services/consoleServices';
import { FileKeyCipher } from '../../../src-main/services/secrets/fileKeyCipher';
import { createAccessToken } from '../../../src-main/web/accessToken';
import { WebExportDownloads } from '../../../src-main/web/exportDownloads';
import { startWebShellServer, type WebShellServer } from '../../../src-main/web/webShellServer';
import { httpProbe } from '../../support/httpProbe';
import {
  fillFixture,
  migrationsDir,
  storedOriginals,
  tempDir,
} from '../../unit/services/export/exportFixture';

let dir: string;
let services: ConsoleServices;
let downloads: WebExportDownloads;
let server: WebShellServer;
const token = createAccessToken();

beforeEach(async () => {
  dir = tempDir('nice-export-web-');
  writeFileSync(join(dir, 'index.html'), '<!doctype html>');
  downloads = new WebExportDownloads(dir, silentLogger);
  services = createConsoleServices({
    shell: 'web',
    version: 'test',
    dataDir: dir,
    migrationsDir,
    cipher: FileKeyCipher.inDataDir(dir),
    exportDestinations: downloads,
  });
  const db = new Database(services.info.databaseFile);
  fillFixture(db, 200);
  db.close();
  server = await startWebShellServer({
    host: '127.0.0.1',
    port: 0,
    token,
    rendererDir: dir,
    maxFrameBytes: 1 << 20,
    dispatcher: services.dispatcher,
    events: services.events,
    logger: silentLogger,
    exportDownloads: downloads,
  });
});

afterEach(async () => {
  await server.close();
  await services.exports.disposeAsync();
  services.dispose();
  downloads.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('web shell export downloads', () => {
  it('serves a finished export once, only with the token, then removes the file', async () => {
    const published: ExportProgress[] = [];
    services.events.subscribe((channel, items) => {
      if (channel === 'export:progressed') published.push(...(items as ExportProgress[]));
    });
    const reply = await services.dispatcher.dispatch(
      'export:startExport',
      { format: 'ndjson', filter: {} },
      { transport: 'web', caller: 'test' },
    );
    expect(reply.ok).toBe(true);
    const started = (reply as { ok: true; value: StartExportResponse }).value;
    if (!started.started) throw new Error('not started');
    const { progress } = await services.exports.settled(started.exportId);
    const url = progress.summary?.downloadUrl;
    expect(url).toMatch(/^\/exports\/[\w-]+\/scenemarks-\d{8}T\d{6}Z\.ndjson$/);
    services.events.flush();
    expect(published.at(-1)).toEqual(progress);
    const pendingFolder = join(dir, 'exports-pending');
    expect(readdirSync(pendingFolder)).toHaveLength(1);

    const anonymous = await httpProbe(`${server.origin}${url}`, {
      headers: { host: `127.0.0.1:${server.port}` },
    });
    expect(anonymous.status).toBe(401);

    const authorised = { headers: { host: `127.0.0.1:${server.port}`, authorization: `Bearer ${token}` } };
    const first = await httpProbe(`${server.origin}${url}`, authorised);
    expect(first.status).toBe(200);
    expect(first.headers['content-disposition']).toMatch(/^attachment; filename="scenemarks-.*\.ndjson"$/);
    const db = new Database(services.info.databaseFile, { readonly: true });
    expect(first.body).toBe(
      storedOriginals(db)
        .map((b) => `${b.toString().replace(/\n/g, ' ')}\n`)
        .join(''),
    );
    db.close();

    const second = await httpProbe(`${server.origin}${url}`, authorised);
    expect(second.status).toBe(404);
    await expect.poll(() => readdirSync(pendingFolder)).toEqual([]);
  });

  it('removes an export nobody downloaded when it expires', async () => {
    const shortLived = new WebExportDownloads(join(dir, 'other'), silentLogger, { ttlMs: 50 });
    const destination = await shortLived.open({ suggestedName: 'a.csv', format: 'csv' });
    writeFileSync(destination.path, 'x');
    const { downloadUrl } = await destination.completed({ rows: 0, bytes: 1, sha256: '', durationMs: 0 });
    expect(downloadUrl).toMatch(/^\/exports\//);
    expect(shortLived.waiting).toBe(1);
    await expect.poll(() => existsSync(destination.path)).toBe(false);
    expect(shortLived.waiting).toBe(0);
  });
});
