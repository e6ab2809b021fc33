import { rmSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ExportFormat } from '../src-shared/contract/exportContract';
import { silentLogger } from '../src-main/core/util/logger';
import type { DestinationProvider } from '../src-main/services/export/destinationProvider';
import { ExportService } from '../src-main/services/export/exportService';
import { openDatabase } from '../src-main/services/store/database';
import { loadMigrations } from '../src-main/services/store/migrations';
import { writeBenchResult } from './benchResult';
import { generateSceneMark, generateSceneMarkObject } from './support/sceneMarkGenerator';
import { encodeItemTypes } from '../src-main/services/scenemarks/itemTypesColumn';

// Export of 1,000,000 SceneMarks through ExportService (worker thread, its own read-only
// connection) from a database file on local disk. The rows are bulk-inserted by SQL: generator
// bytes (realistic, ~1.9 KB) for 20,000 distinct indices reused round robin under unique IDs,
// their detected objects, and a 12 KB inline thumbnail for every 1,000th SceneMark.
const total = Number(process.env.EXPORT_BENCH_ROWS ?? 1_000_000);
const distinct = 20_000;
const root = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'nice-export-bench-'));
const databaseFile = join(dir, 'console.sqlite');

const { db } = openDatabase(databaseFile, loadMigrations(join(root, 'resources', 'migrations')));
db.pragma('synchronous = OFF');
const fillStarted = performance.now();
{
  const templates = Array.from({ length: distinct }, (_, i) => {
    const object = generateSceneMarkObject(i);
    const analysis = (
      object.AnalysisList as { EventType: string; DetectedObjects: Record<string, unknown>[] }[]
    )[0];
    return {
      original: Buffer.from(generateSceneMark(i)),
      nodeId: object.NodeID as string,
      deviceId: (object.NodeID as string).split('_')[0] ?? null,
      eventType: analysis?.EventType ?? null,
      status: object.SceneMarkStatus as string,
      objects: (analysis?.DetectedObjects ?? []).map((o) => ({
        itemType: o.NICEItemType as string,
        probability: o.Probability as number,
        box: o.BoundingBox as { XCoordinate: number; YCoordinate: number; Width: number; Height: number },
      })),
    };
  });
  const insertMark = db.prepare(
    `INSERT INTO scenemarks (id, scenemark_id, time_ms, device_id, node_id, port_id, event_type, status, item_types,
       highest_probability, schema_version, revision, original, source, received_ms)
     VALUES (?, ?, ?, ?, ?, '0001', ?, ?, ?, ?, '1.0', 1, ?, 'bench', ?)`,
  );
  const insertObject = db.prepare(`INSERT INTO detected_objects VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertData = db.prepare(
    `INSERT INTO scene_data (scene_data_id, scenemark_id, media_format, byte_size, sha256, content, received_ms)
     VALUES (?, ?, 'JPEG', ?, '', ?, ?)`,
  );
  const thumbnail = Buffer.alloc(12_000, 7);
  const start = Date.UTC(2026, 0, 1);
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i += 1) {
      const t = templates[i % distinct];
      if (!t) continue;
      const id = `BENCH_${i}`;
      const time = start + i * 250;
      const types = [...new Set(t.objects.map((o) => o.itemType))];
      const best = t.objects.reduce<number | null>((m, o) => Math.max(m ?? 0, o.probability), null);
      insertMark.run(
        i + 1,
        id,
        time,
        t.deviceId,
        t.nodeId,
        t.eventType,
        t.status,
        encodeItemTypes(types),
        best,
        t.original,
        time,
      );
      t.objects.forEach((o, n) =>
        insertObject.run(
          i + 1,
          n,
          o.itemType,
          o.probability,
          o.box.XCoordinate,
          o.box.YCoordinate,
          o.box.Width,
          o.box.Height,
        ),
      );
      if (i % 1000 === 0) insertData.run(`SDT_${i}`, id, thumbnail.length, thumbnail, time);
    }
  });
  for (let from = 0; from < total; from += 50_000) batch(from, Math.min(total, from + 50_000));
}
const fillSeconds = (performance.now() - fillStarted) / 1000;
const databaseBytes = statSync(databaseFile).size;
db.close();

const destinations: DestinationProvider = {
  open: ({ suggestedName }) =>
    Promise.resolve({
      path: join(dir, suggestedName),
      fileName: suggestedName,
      completed: () => Promise.resolve({}),
      abandoned: () => undefined,
    }),
};
const service = new ExportService({
  databaseFile,
  destinations,
  publish: () => undefined,
  logger: silentLogger,
});

interface Run {
  seconds: number;
  /** CPU time of the whole process (main, export worker, its writer thread), seconds. */
  cpuSeconds: number;
  rows: number;
  bytes: number;
  rssGrowthMB: number;
  workerHeapMB: number;
  maxEventLoopLagMs: number;
}

async function run(format: ExportFormat): Promise<Run> {
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  let lag = 0;
  let expected = performance.now() + 20;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
    const now = performance.now();
    lag = Math.max(lag, now - expected);
    expected = now + 20;
  }, 20);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const reply = await service.start({ format, filter: {} });
  if (!reply.started) throw new Error('not started');
  const { progress, workerPeakHeapBytes } = await service.settled(reply.exportId);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  clearInterval(sampler);
  if (progress.phase !== 'done' || !progress.summary)
    throw new Error(`export ${format} ${progress.phase}: ${progress.error?.message}`);
  rmSync(join(dir, progress.summary.fileName), { force: true });
  return {
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    rows: progress.summary.rows,
    bytes: progress.summary.bytes,
    rssGrowthMB: Math.round((peak - baseline) / 2 ** 20),
    workerHeapMB: Math.round(workerPeakHeapBytes / 2 ** 20),
    maxEventLoopLagMs: Math.round(lag),
  };
}

const ndjson = await run('ndjson');
const csv = await run('csv');
const evidence = await run('evidence');
await service.disposeAsync();
const maxRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
if (!process.env.EXPORT_BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
else process.stdout.write(`kept ${databaseFile}\n`);

writeBenchResult(
  'export',
  `${total} SceneMarks bulk-inserted by SQL into a WAL database file (generator bytes of ${distinct} indices reused under unique IDs, their objects, a 12 KB inline thumbnail per 1,000; SceneData known by reference only are in the originals' SceneDataLists, as ingest now keeps them) in ${fillSeconds.toFixed(1)} s; each format exported once through ExportService (worker thread, own read-only connection, file fsynced) to the same disk; rows/s over the whole start→settled time (worker start, via tsx from source, included); CPU time of the whole process (all threads) over the same time; RSS of the process (main + worker) sampled every 20 ms, growth over the pre-export baseline; worker heap from v8.getHeapStatistics in the worker; event-loop lag of main sampled every 20 ms`,
  {
    sceneMarks: total,
    databaseMB: Math.round(databaseBytes / 2 ** 20),
    ndjsonRowsPerSecond: Math.round(ndjson.rows / ndjson.seconds),
    ndjsonMBPerSecond: Math.round(ndjson.bytes / 2 ** 20 / ndjson.seconds),
    ndjsonCpuMicrosecondsPerRow: Number(((ndjson.cpuSeconds * 1e6) / ndjson.rows).toFixed(2)),
    ndjsonFileMB: Math.round(ndjson.bytes / 2 ** 20),
    ndjsonPeakRssGrowthMB: ndjson.rssGrowthMB,
    ndjsonWorkerPeakHeapMB: ndjson.workerHeapMB,
    ndjsonMainMaxLagMs: ndjson.maxEventLoopLagMs,
    csvRowsPerSecond: Math.round(csv.rows / csv.seconds),
    csvCpuMicrosecondsPerRow: Number(((csv.cpuSeconds * 1e6) / csv.rows).toFixed(2)),
    csvFileMB: Math.round(csv.bytes / 2 ** 20),
    csvPeakRssGrowthMB: csv.rssGrowthMB,
    csvWorkerPeakHeapMB: csv.workerHeapMB,
    csvMainMaxLagMs: csv.maxEventLoopLagMs,
    evidenceSeconds: Number(evidence.seconds.toFixed(1)),
    evidenceCpuSeconds: Number(evidence.cpuSeconds.toFixed(1)),
    evidenceFileMB: Math.round(evidence.bytes / 2 ** 20),
    evidencePeakRssGrowthMB: evidence.rssGrowthMB,
    evidenceWorkerPeakHeapMB: evidence.workerHeapMB,
    processMaxRssMB: maxRssMB,
  },
);
